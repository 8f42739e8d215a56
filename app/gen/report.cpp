#include "report.hpp"

#include <cinttypes>
#include <cstdio>

namespace synline::gen {

namespace {

std::string fmt(const char* f, auto... args) {
    char buf[512];
    std::snprintf(buf, sizeof buf, f, args...);
    return buf;
}

double per_s(std::uint64_t n, double s) { return s > 0 ? static_cast<double>(n) / s : 0; }
double gbps(std::uint64_t bytes, double s) { return s > 0 ? static_cast<double>(bytes) * 8 / s / 1e9 : 0; }

std::string errors_text(const Tally& t) {
    std::string out;
    for (std::size_t i = 0; i < kErrorKinds; ++i)
        if (t.errors[i] > 0)
            out += fmt(" %s %" PRIu64, to_string(static_cast<ErrorKind>(i)), t.errors[i]);
    return out.empty() ? " none" : out;
}

const char* unit(Mode m) {
    switch (m) {
        case Mode::cps: return "conn/s";
        case Mode::rps: return "req/s";
        case Mode::bulk: return "conn/s";
        case Mode::synflood: return "SYN/s";
    }
    return "";
}

}  // namespace

std::uint64_t counter(const CounterTotals& t, std::string_view name) {
    for (const auto& [n, v] : t)
        if (n == name) return v;
    return 0;
}

std::string format_ns(std::uint64_t ns) {
    if (ns < 1000) return fmt("%" PRIu64 "ns", ns);
    if (ns < 1000000) return fmt("%.1fus", static_cast<double>(ns) / 1e3);
    if (ns < 1000000000) return fmt("%.2fms", static_cast<double>(ns) / 1e6);
    return fmt("%.2fs", static_cast<double>(ns) / 1e9);
}

std::string live_line(const GenOptions& o, const SecondRecord& r) {
    const Tally& t = r.tally;
    std::string head = fmt("[%4us] %s ", r.index, to_string(o.mode));
    switch (o.mode) {
        case Mode::bulk:
            return head + fmt("%.3f Gb/s acked  rx %.3f Gb/s  open %" PRIu64 "  err %" PRIu64,
                              gbps(t.bytes_acked, r.seconds), gbps(t.bytes_received, r.seconds), r.open,
                              t.error_total());
        case Mode::synflood:
            return head + fmt("%.0f SYN/s  %.0f SYN-ACK/s  %.0f reflected/s  err %" PRIu64, per_s(t.started, r.seconds),
                              per_s(t.ok, r.seconds), per_s(t.reflected, r.seconds), t.error_total());
        default:
            return head + fmt("%.0f %s  ok %" PRIu64 "  err %" PRIu64 "  open %" PRIu64 "  p50 %s  p99 %s",
                              per_s(t.ok, r.seconds), unit(o.mode), t.ok, t.error_total(), r.open,
                              format_ns(t.latency.percentile(50)).c_str(),
                              format_ns(t.latency.percentile(99)).c_str());
    }
}

std::string summary(const GenOptions& o, const Result& r) {
    const Tally& t = r.total;
    const Histogram& h = t.latency;
    std::string s = fmt("synline-gen: %s against %s:%u for %.2f s\n", to_string(o.mode),
                        o.target_ip.to_string().c_str(), o.target_port, r.measured_s);
    switch (o.mode) {
        case Mode::cps:
            s += fmt("  connections  %" PRIu64 " completed, %.0f conn/s (%" PRIu64 " started)\n", t.ok,
                     per_s(t.ok, r.measured_s), t.started);
            break;
        case Mode::rps:
            s += fmt("  requests     %" PRIu64 " completed, %.0f req/s (%" PRIu64 " sent)", t.ok,
                     per_s(t.ok, r.measured_s), t.started);
            s += o.rate ? fmt(", open loop at %.0f req/s (%.0f due)\n", *o.rate, *o.rate * r.measured_s)
                        : std::string(", closed loop\n");
            break;
        case Mode::bulk:
            s += fmt("  goodput      %.3f Gb/s acked (%" PRIu64 " bytes), rx %.3f Gb/s; %" PRIu64
                     " connections established\n",
                     gbps(t.bytes_acked, r.measured_s), t.bytes_acked, gbps(t.bytes_received, r.measured_s), t.ok);
            break;
        case Mode::synflood:
            s += fmt("  SYNs         %" PRIu64 " sent, %.0f SYN/s; SYN-ACKs back %" PRIu64 ", %.0f/s; reflected %" PRIu64
                     ", %.0f/s\n",
                     t.started, per_s(t.started, r.measured_s), t.ok, per_s(t.ok, r.measured_s), t.reflected,
                     per_s(t.reflected, r.measured_s));
            break;
    }
    s += "  errors      " + errors_text(t) + "\n";
    if (o.mode != Mode::synflood && h.count() > 0)
        s += fmt("  latency      p50 %s  p90 %s  p99 %s  p99.9 %s  max %s  mean %s  (%s)\n",
                 format_ns(h.percentile(50)).c_str(), format_ns(h.percentile(90)).c_str(),
                 format_ns(h.percentile(99)).c_str(), format_ns(h.percentile(99.9)).c_str(),
                 format_ns(h.max()).c_str(), format_ns(static_cast<std::uint64_t>(h.mean())).c_str(),
                 o.mode == Mode::rps ? (o.rate ? "request due to full response" : "request sent to full response")
                 : o.mode == Mode::cps ? "connect to full response" : "connect to established");
    if (t.stalls > 0)
        s += fmt("  generator    %" PRIu64 " loop stalls over %s, longest %s, %s in all (its CPU was taken"
                 " from it: latency near those moments is partly its own)\n",
                 t.stalls, format_ns(kStallNs).c_str(), format_ns(t.longest_stall_ns).c_str(),
                 format_ns(t.stalled_ns).c_str());
    s += fmt("  stack        segments in %" PRIu64 " out %" PRIu64 ", retransmits %" PRIu64
             ", tx ring full %" PRIu64 ", waiting for ARP dropped %" PRIu64 "\n",
             counter(r.counters, "tcp.segments_in"), counter(r.counters, "tcp.segments_out"),
             counter(r.counters, "tcp.retransmits"), counter(r.counters, "drop.tx_ring_full"),
             counter(r.counters, "drop.no_arp_entry"));
    return s;
}

std::string json_record(const GenOptions& o, const Result& r) {
    const Tally& t = r.total;
    const Histogram& h = t.latency;
    const double us = 1e3;
    std::string s = "{";
    s += fmt("\"tool\":\"synline-gen\",\"mode\":\"%s\",\"target\":\"%s:%u\",\"duration_s\":%.3f,",
             to_string(o.mode), o.target_ip.to_string().c_str(), o.target_port, r.measured_s);
    s += fmt("\"protocol\":\"%s\",", o.http ? "http" : "raw");
    if (o.mode == Mode::cps)
        s += o.rate ? fmt("\"rate_target\":%.1f,", *o.rate) : fmt("\"concurrency\":%u,", o.concurrency);
    if (o.mode == Mode::rps) {
        s += fmt("\"connections\":%u,\"pipeline\":%u,\"open_loop\":%s,", o.connections, o.pipeline,
                 o.rate ? "true" : "false");
        if (o.rate) s += fmt("\"rate_target\":%.1f,", *o.rate);
    }
    if (o.mode == Mode::bulk) s += fmt("\"connections\":%u,", o.connections);
    if (o.mode == Mode::synflood) s += fmt("\"rate_target\":%.1f,", *o.rate);
    s += fmt("\"ok\":%" PRIu64 ",\"started\":%" PRIu64 ",\"rate_per_s\":%.1f,", t.ok, t.started,
             per_s(o.mode == Mode::synflood ? t.started : t.ok, r.measured_s));
    s += fmt("\"bytes_acked\":%" PRIu64 ",\"bytes_received\":%" PRIu64 ",\"goodput_gbps\":%.4f,",
             t.bytes_acked, t.bytes_received, gbps(t.bytes_acked, r.measured_s));
    if (o.mode == Mode::synflood)
        s += fmt("\"synacks\":%" PRIu64 ",\"synacks_per_s\":%.1f,\"reflected\":%" PRIu64 ",\"reflected_per_s\":%.1f,",
                 t.ok, per_s(t.ok, r.measured_s), t.reflected, per_s(t.reflected, r.measured_s));
    s += fmt("\"errors_total\":%" PRIu64 ",\"errors\":{", t.error_total());
    for (std::size_t i = 0; i < kErrorKinds; ++i)
        s += fmt("%s\"%s\":%" PRIu64, i ? "," : "", to_string(static_cast<ErrorKind>(i)), t.errors[i]);
    s += "},";
    s += fmt("\"latency_us\":{\"count\":%" PRIu64 ",\"min\":%.3f,\"mean\":%.3f,\"p50\":%.3f,\"p90\":%.3f,"
             "\"p99\":%.3f,\"p99_9\":%.3f,\"max\":%.3f},",
             h.count(), static_cast<double>(h.min()) / us, h.mean() / us,
             static_cast<double>(h.percentile(50)) / us, static_cast<double>(h.percentile(90)) / us,
             static_cast<double>(h.percentile(99)) / us, static_cast<double>(h.percentile(99.9)) / us,
             static_cast<double>(h.max()) / us);
    s += fmt("\"loop_stalls\":{\"over_us\":%.0f,\"count\":%" PRIu64 ",\"longest_us\":%.3f,\"total_us\":%.3f},",
             static_cast<double>(kStallNs) / us, t.stalls, static_cast<double>(t.longest_stall_ns) / us,
             static_cast<double>(t.stalled_ns) / us);
    s += "\"stack\":{";
    const char* names[] = {"tcp.segments_in", "tcp.segments_out", "tcp.retransmits", "tcp.opened_active",
                           "rx_packets", "tx_packets", "drop.tx_ring_full", "drop.no_arp_entry",
                           "drop.ipv4_not_for_us", "arp_requests_sent", "port.imissed"};
    bool first = true;
    for (const char* n : names) {
        s += fmt("%s\"%s\":%" PRIu64, first ? "" : ",", n, counter(r.counters, n));
        first = false;
    }
    // With several workers, the runtime's per-worker figures (worker0.rx_packets, ...).
    for (const auto& [n, v] : r.counters)
        if (n.starts_with("worker")) s += fmt(",\"%s\":%" PRIu64, n.c_str(), v);
    s += "}}";
    return s;
}

}  // namespace synline::gen
