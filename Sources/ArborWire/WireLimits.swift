/// Limits both protocols share. The fixed ones are part of the protocol (a peer or client
/// that exceeds them is malformed); only the frame length is configurable.
public enum WireLimits {
    /// Largest payload a node accepts by default (a topology file may declare its own).
    public static let defaultMaximumMessageSize = 1 << 20
    /// Room for everything around a payload: a data frame's other fields take at most
    /// 1,193 bytes, the rest is margin for link-state and interest frames.
    public static let frameHeadroom = 64 << 10
    /// The frame length limit that admits messages of `messageSize` bytes.
    public static func maximumFrameLength(forMessageSize messageSize: Int) -> Int {
        Swift.min(Swift.max(messageSize, 0) + frameHeadroom, Int(UInt32.max))
    }
    /// 1 MiB + 64 KiB: the default limit of a frame's length field.
    public static let defaultMaximumFrameLength = maximumFrameLength(forMessageSize: defaultMaximumMessageSize)
    /// Longest topic or subscription prefix, in bytes.
    public static let maximumTopicLength = 1024
    /// The topic length of a DATA_RUN message that repeats the previous message's topic
    /// (no bytes follow it): a length no topic can have.
    public static let repeatedTopic: UInt16 = 0xFFFF
    /// Most messages in a DATA_RUN frame (its 2-byte count).
    public static let maximumRunCount = Int(UInt16.max)
    /// Largest body of a DATA_RUN frame a node writes (it accepts any up to its frame
    /// limit): a run longer than this leaves as several frames.
    public static let maximumRunBodySize = 64 << 10
    /// Longest node name, realm, client name or host name, in UTF-8 bytes.
    public static let maximumNameLength = 255
    /// Longest human-readable text (reject reasons, error texts), in UTF-8 bytes.
    public static let maximumTextLength = 1024
}
