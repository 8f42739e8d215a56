#include "engine/pcap_writer.hpp"

#include <pcap/pcap.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>

#include "engine/config.hpp"

namespace synline::engine {

namespace {

constexpr std::uint64_t kFileHeaderBytes = 24;    // pcap's global header
constexpr std::uint64_t kRecordHeaderBytes = 16;  // pcap's per-packet header
constexpr auto kIdleSleep = std::chrono::milliseconds(1);
constexpr std::size_t kFileBuffer = std::size_t{1} << 20;

}  // namespace

PcapWriter::PcapWriter(const std::string& path, std::uint32_t snaplen, CaptureLimits limits)
    : path_(path), limits_(limits) {
    pcap_ = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, static_cast<int>(snaplen),
                                                 PCAP_TSTAMP_PRECISION_NANO);
    if (!pcap_) throw ConfigError("capture: libpcap could not start a capture (out of memory)");
    // Our own FILE, with a large buffer: a frame costs a copy into it, and
    // the disk sees one write per MiB instead of one per few frames.
    std::FILE* file = std::fopen(path.c_str(), "wb");
    if (file) std::setvbuf(file, nullptr, _IOFBF, kFileBuffer);
    dumper_ = file ? pcap_dump_fopen(pcap_, file) : nullptr;
    if (!dumper_) {
        const std::string why = file ? pcap_geterr(pcap_) : std::strerror(errno);
        if (file) std::fclose(file);
        pcap_close(pcap_);
        throw ConfigError("capture.file '" + path + "': " + why +
                          ": name a file in a directory that exists and is writable");
    }
    bytes_.store(kFileHeaderBytes, std::memory_order_relaxed);
}

PcapWriter::~PcapWriter() {
    stop();
    close_file();
    if (pcap_) pcap_close(pcap_);
}

void PcapWriter::start(std::vector<CaptureRing*> rings) {
    rings_ = std::move(rings);
    thread_ = std::thread([this] { loop(); });
}

void PcapWriter::stop() {
    if (!thread_.joinable()) return;
    stop_.store(true, std::memory_order_relaxed);
    thread_.join();
    close_file();
}

void PcapWriter::loop() {
    while (!stop_.load(std::memory_order_relaxed))
        if (drain() == 0) std::this_thread::sleep_for(kIdleSleep);
    // The workers have stopped: what they published is all there is.
    while (drain() > 0) {
    }
}

std::size_t PcapWriter::drain() {
    std::size_t taken = 0;
    for (CaptureRing* ring : rings_)
        taken += ring->consume([this](const CaptureHeader& h, std::span<const std::uint8_t> b) { write(h, b); });
    return taken;
}

void PcapWriter::write(const CaptureHeader& h, std::span<const std::uint8_t> b) {
    const std::uint64_t record = kRecordHeaderBytes + b.size();
    const std::uint64_t packets = packets_.load(std::memory_order_relaxed);
    const std::uint64_t bytes = bytes_.load(std::memory_order_relaxed);
    if (dumper_ && ((limits_.max_packets && packets >= limits_.max_packets) ||
                    (limits_.max_bytes && bytes + record > limits_.max_bytes))) {
        close_file();
        for (CaptureRing* ring : rings_) ring->close();
    }
    if (!dumper_) {
        over_limit_.fetch_add(1, std::memory_order_relaxed);
        return;
    }
    pcap_pkthdr ph{};
    ph.ts.tv_sec = static_cast<time_t>(h.ts_ns / 1'000'000'000);
    ph.ts.tv_usec = static_cast<suseconds_t>(h.ts_ns % 1'000'000'000);  // nanoseconds in this precision
    ph.caplen = static_cast<bpf_u_int32>(b.size());
    ph.len = h.wire_len;
    pcap_dump(reinterpret_cast<u_char*>(dumper_), &ph, b.data());
    packets_.store(packets + 1, std::memory_order_relaxed);
    bytes_.store(bytes + record, std::memory_order_relaxed);
}

void PcapWriter::close_file() {
    if (!dumper_) return;
    pcap_dump_close(dumper_);  // flushes
    dumper_ = nullptr;
}

}  // namespace synline::engine
