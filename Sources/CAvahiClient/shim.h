// The parts of libavahi-client (and the libavahi-common it builds on) that ArborDiscovery uses.
//
// Notes for Swift callers:
// - Variadic functions (avahi_entry_group_add_service, ..._update_service_txt) are not
//   callable from Swift: use the *_strlst variants with an AvahiStringList.
// - Anonymous C enums (AVAHI_IF_UNSPEC, AVAHI_PROTO_*, AVAHI_ERR_*) import as Int; typedef'd
//   enums (AvahiClientState, AvahiBrowserEvent, ...) import as structs with a rawValue.
// - Callbacks must be @convention(c): non-capturing, with `self` passed as userdata.
#ifndef ARBOR_CAVAHICLIENT_SHIM_H
#define ARBOR_CAVAHICLIENT_SHIM_H

#include <avahi-client/client.h>
#include <avahi-client/lookup.h>
#include <avahi-client/publish.h>

#include <avahi-common/address.h>
#include <avahi-common/alternative.h>
#include <avahi-common/defs.h>
#include <avahi-common/error.h>
#include <avahi-common/malloc.h>
#include <avahi-common/strlst.h>
#include <avahi-common/thread-watch.h>
#include <avahi-common/timeval.h>
#include <avahi-common/watch.h>

#endif
