// Initial sequence numbers, RFC 6528 section 3:
//   ISN = M + F(localip, localport, remoteip, remoteport, secretkey)
// M is a timer that ticks every 4 microseconds (RFC 9293 3.4.1) and F is
// SipHash-2-4 keyed with a per-process secret, so that an off-path attacker
// can neither predict our ISNs nor learn one connection's ISN from another's,
// while successive incarnations of the same 4-tuple still get increasing ISNs.
#pragma once

#include "net/four_tuple.hpp"
#include "net/seq_num.hpp"
#include "tcp/siphash.hpp"
#include "tcp/time.hpp"

namespace synline::tcp {

class IsnGenerator {
public:
    explicit IsnGenerator(SipKey key) : key_(key) {}

    // Pure function of (tuple, now, key): thread-safe, and deterministic for tests
    // and the simulator when the key is fixed.
    net::SeqNum next(const net::FourTuple& tuple, Instant now) const;

private:
    SipKey key_;
};

// A fresh secret from the kernel's CSPRNG (getrandom(2)). Call once per process at
// start-up; throws std::system_error if the kernel cannot supply randomness.
SipKey random_sip_key();

}  // namespace synline::tcp
