#include "tcp/congestion/congestion_control.hpp"

#include <algorithm>

namespace synline::tcp {

std::optional<CongestionAlgorithm> parse_congestion_algorithm(std::string_view name) {
    if (name == "cubic") return CongestionAlgorithm::cubic;
    if (name == "newreno") return CongestionAlgorithm::newreno;
    return std::nullopt;
}

void CongestionControl::select(CongestionAlgorithm algorithm) {
    if (algorithm == CongestionAlgorithm::cubic) impl_.emplace<Cubic>();
    else impl_.emplace<NewReno>();
}

void CongestionControl::start(std::uint32_t mss, std::uint32_t initial_window) {
    select(algorithm());
    w_ = Window{};
    w_.mss = mss;
    w_.cwnd = initial_window;
}

void CongestionControl::grow(const AckSample& a) {
    if (std::holds_alternative<Cubic>(impl_)) std::get<Cubic>(impl_).on_ack(w_, a);
    else std::get<NewReno>(impl_).on_ack(w_, a);
}

void CongestionControl::on_loss(Instant now, std::uint32_t flight) {
    end_hystart(w_);
    std::visit([&](auto& c) { c.on_loss(w_, now, flight); }, impl_);
}

void CongestionControl::on_timeout(std::uint32_t flight, bool first) {
    if (first) {
        end_hystart(w_);
        // The same reduction as a loss (RFC 9438 4.8 for CUBIC); then the
        // loss window of one segment (RFC 5681 3.1 (5)).
        std::visit([&](auto& c) { c.on_loss(w_, Instant{}, flight); }, impl_);
    }
    w_.cwnd = w_.mss;
    w_.after_timeout = true;
}

void CongestionControl::on_recovery_end(std::uint32_t flight) {
    w_.cwnd = std::min(w_.ssthresh, std::max(flight, w_.mss) + w_.mss);
    w_.bytes_acked = 0;
}

}  // namespace synline::tcp
