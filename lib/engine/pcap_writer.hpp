// The capture's writer thread: empties every worker's CaptureRing into one
// pcap file (libpcap, nanosecond timestamps, Ethernet link type), so no
// worker ever waits for the disk. Rings are visited in turn; a file with
// several workers is therefore ordered per worker, not across them (tshark
// and Wireshark sort by time on request).
//
// The thread sleeps 1 ms whenever every ring is empty; a ring of 4096 slots
// thus absorbs 4 Mpps per worker between two visits. When the file reaches
// its packet or byte limit it is closed, every ring is closed (the workers
// stop copying) and the frames still in flight are counted as over_limit.
// No DPDK here: unit-tested without EAL.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "engine/capture_ring.hpp"

struct pcap;
struct pcap_dumper;

namespace synline::engine {

struct CaptureLimits {
    std::uint64_t max_packets = 0;  // 0: no limit
    std::uint64_t max_bytes = 0;    // the file's size, headers included; 0: no limit
};

class PcapWriter {
public:
    // Creates (truncates) `path` and writes the pcap file header; throws
    // ConfigError naming the path and libpcap's reason when it cannot.
    PcapWriter(const std::string& path, std::uint32_t snaplen, CaptureLimits limits);
    ~PcapWriter();  // stop()
    PcapWriter(const PcapWriter&) = delete;
    PcapWriter& operator=(const PcapWriter&) = delete;

    // Starts the thread over `rings` (each filled by one worker).
    void start(std::vector<CaptureRing*> rings);
    // Empties the rings a last time, closes the file and joins the thread.
    // Call it once the workers have stopped; safe to call more than once.
    void stop();

    // Readable from any thread while the writer runs.
    std::uint64_t packets() const { return packets_.load(std::memory_order_relaxed); }
    std::uint64_t bytes() const { return bytes_.load(std::memory_order_relaxed); }  // file size
    std::uint64_t over_limit() const { return over_limit_.load(std::memory_order_relaxed); }

private:
    void loop();
    std::size_t drain();  // one pass over the rings; returns the frames taken
    void write(const CaptureHeader& h, std::span<const std::uint8_t> bytes);
    void close_file();

    std::string path_;
    CaptureLimits limits_;
    pcap* pcap_ = nullptr;
    pcap_dumper* dumper_ = nullptr;
    std::vector<CaptureRing*> rings_;
    std::thread thread_;
    std::atomic<bool> stop_{false};
    std::atomic<std::uint64_t> packets_{0};
    std::atomic<std::uint64_t> bytes_{0};
    std::atomic<std::uint64_t> over_limit_{0};
};

}  // namespace synline::engine
