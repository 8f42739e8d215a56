// The flow table's hash of a 4-tuple, keyed with a secret.
//
// Whoever can choose the tuples of many connections (one client host picks
// its source ports) could, against a fixed hash, pick tuples that share a home
// slot and grow one probe chain that every lookup near it walks. A CRC cannot
// be keyed against that: it is linear, so which tuples collide does not depend
// on the seed. This is multilinear hashing instead: the tuple's three 32-bit
// words times three random 64-bit keys, plus a fourth, modulo 2^64. The high
// 32 bits of that sum are strongly universal (any two distinct tuples collide
// there with probability 2^-32 over the keys), so without the key the
// attacker's tuples spread like any others. Three multiplies and three adds:
// about what two chains of CRC-32C instructions cost.
#pragma once

#include <cstdint>

#include "net/four_tuple.hpp"

namespace synline::tcp {

struct FlowHashKey {
    std::uint64_t add = 0;
    std::uint64_t local_ip = 0;
    std::uint64_t remote_ip = 0;
    std::uint64_t ports = 0;
};

// The tag, the strongly universal part, is the high 32 bits; the flow table
// takes a 16-bit signature from the bits below them.
inline std::uint64_t flow_hash(const net::FourTuple& t, const FlowHashKey& k) {
    const std::uint32_t ports = std::uint32_t{t.local_port} | std::uint32_t{t.remote_port} << 16;
    return k.add + t.local_ip.value * k.local_ip + t.remote_ip.value * k.remote_ip + ports * k.ports;
}

}  // namespace synline::tcp
