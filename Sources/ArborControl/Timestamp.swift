import ArborCore

/// Times in control API documents: wall-clock times ISO 8601 in UTC with milliseconds,
/// `2026-11-27T08:15:02.123Z`; durations in milliseconds or seconds.
public enum Timestamp {
    /// Milliseconds of a duration, to the microsecond.
    public static func milliseconds(_ duration: Duration) -> Double {
        (duration.milliseconds * 1000).rounded() / 1000
    }

    /// Seconds of a duration, to the millisecond.
    public static func seconds(_ duration: Duration) -> Double {
        duration.milliseconds.rounded() / 1000
    }

    /// Formats nanoseconds since the Unix epoch (proleptic Gregorian calendar, UTC).
    public static func iso8601(unixNanoseconds: Int64) -> String {
        let milliseconds = unixNanoseconds / 1_000_000
        var days = milliseconds / 86_400_000
        var dayMilliseconds = milliseconds % 86_400_000
        if dayMilliseconds < 0 {
            dayMilliseconds += 86_400_000
            days -= 1
        }
        let (year, month, day) = civil(daysSinceEpoch: days)
        let hour = dayMilliseconds / 3_600_000
        let minute = dayMilliseconds / 60_000 % 60
        let second = dayMilliseconds / 1000 % 60
        let millisecond = dayMilliseconds % 1000
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(hour, 2)):\(pad(minute, 2)):\(pad(second, 2)).\(pad(millisecond, 3))Z"
    }

    /// Year, month and day of a day number (days from 1970-01-01), after Howard Hinnant's
    /// `civil_from_days`.
    private static func civil(daysSinceEpoch: Int64) -> (Int64, Int64, Int64) {
        let z = daysSinceEpoch + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
