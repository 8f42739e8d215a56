// Congestion control behind one small interface: the connection reports
// events (bytes newly acknowledged, a loss detected by duplicate ACKs or SACK,
// a retransmission timeout, the end of fast recovery) and reads back cwnd and
// ssthresh. Two controllers: CUBIC (RFC 9438, the default) and NewReno's
// window rules (RFC 5681). Both grow by appropriate byte counting (RFC 3465)
// and leave slow start by HyStart++ (RFC 9406).
//
// The controller is a std::variant, not a virtual base: one connection never
// changes its kind after the handshake, the hot call (on_ack, once per ACK)
// is a two-way branch instead of an indirect call, and the state sits inside
// the connection with no allocation.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <variant>

#include "tcp/congestion/cubic.hpp"
#include "tcp/congestion/new_reno.hpp"
#include "tcp/congestion/window.hpp"

namespace synline::tcp {

enum class CongestionAlgorithm : std::uint8_t { cubic, newreno };

constexpr std::string_view to_string(CongestionAlgorithm a) {
    return a == CongestionAlgorithm::cubic ? "cubic" : "newreno";
}
std::optional<CongestionAlgorithm> parse_congestion_algorithm(std::string_view name);

class CongestionControl {
public:
    explicit CongestionControl(CongestionAlgorithm algorithm = CongestionAlgorithm::cubic) { select(algorithm); }

    // Chooses the controller; before start().
    void select(CongestionAlgorithm algorithm);
    // At the start of data transfer: SMSS and the initial window (RFC 6928).
    void start(std::uint32_t mss, std::uint32_t initial_window);

    // An ACK advanced SND.UNA by `acked` bytes outside fast recovery, with
    // `flight` bytes outstanding before it. The window grows only while it
    // is what limits the sender: an application that leaves most of it
    // unused (request and response) would otherwise build a window it never
    // tested against the path (RFC 7661 4.3, RFC 9438 4.2). As Linux, slow
    // start counts as limited while at least half the window is in use.
    void on_ack(const AckSample& a, std::uint32_t flight) {
        if (2ull * flight < w_.cwnd) return;
        grow(a);
    }
    // Loss detected by duplicate ACKs or SACK (RFC 5681 3.2, RFC 6675 5):
    // ssthresh and cwnd come down once per recovery episode.
    void on_loss(Instant now, std::uint32_t flight);
    // A retransmission timeout (RFC 5681 3.1 (4), RFC 9438 4.8): cwnd drops to
    // one segment; ssthresh comes down only for the first timeout of a run
    // (`first`), as backed-off retransmissions carry no new information.
    void on_timeout(std::uint32_t flight, bool first);
    // Fast recovery ended: cwnd deflates to ssthresh, or less when fewer bytes
    // are in flight (RFC 6582 3.2 step 3, option 1).
    void on_recovery_end(std::uint32_t flight);

    std::uint32_t cwnd() const { return w_.cwnd; }
    std::uint32_t ssthresh() const { return w_.ssthresh; }
    bool in_slow_start() const { return w_.cwnd < w_.ssthresh; }
    CongestionAlgorithm algorithm() const {
        return std::holds_alternative<Cubic>(impl_) ? CongestionAlgorithm::cubic : CongestionAlgorithm::newreno;
    }
    const Window& window() const { return w_; }

private:
    void grow(const AckSample& a);

    Window w_;
    std::variant<NewReno, Cubic> impl_;
};

}  // namespace synline::tcp
