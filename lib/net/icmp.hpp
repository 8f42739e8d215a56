// ICMP echo (RFC 792): the only ICMP message synline answers.
#pragma once

#include <cstdint>
#include <span>

#include "net/drop_reason.hpp"

namespace synline::net {

inline constexpr std::size_t kIcmpHeaderLen = 8;

// True when `icmp` is a well-formed echo request; otherwise sets `why`.
bool is_echo_request(std::span<const std::uint8_t> icmp, Drop& why);

// Turns an echo request into its reply in place (type 0, checksum updated);
// identifier, sequence number and data are echoed unchanged.
void make_echo_reply_in_place(std::span<std::uint8_t> icmp);

}  // namespace synline::net
