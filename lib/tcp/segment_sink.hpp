// Where the protocol core's outgoing segments go. The engine turns them into
// mbufs on its tx batch; the simulator puts them on a virtual link.
#pragma once

#include <cstdint>
#include <span>

#include "net/four_tuple.hpp"
#include "net/tcp_header.hpp"

namespace synline::tcp {

struct OutSegment {
    net::FourTuple tuple;  // local = source, remote = destination
    net::TcpHeader header;
    // Payload in at most two pieces (a send buffer may wrap); both may be empty.
    std::span<const std::uint8_t> payload_first;
    std::span<const std::uint8_t> payload_second;

    std::size_t payload_size() const { return payload_first.size() + payload_second.size(); }
};

class SegmentSink {
public:
    virtual ~SegmentSink() = default;
    virtual void send(const OutSegment& segment) = 0;
};

}  // namespace synline::tcp
