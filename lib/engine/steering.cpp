#include "engine/steering.hpp"

#include <thread>

#include <rte_mbuf.h>

#include "net/byte_order.hpp"
#include "net/ethernet.hpp"
#include "net/ipv4.hpp"

namespace synline::engine {

SteerFabric::SteerFabric(unsigned workers, RssSpread spread) : workers_(workers), spread_(std::move(spread)) {
    channels_.reserve((workers + 1) * workers);
    for (unsigned i = 0; i < (workers + 1) * workers; ++i)
        channels_.push_back(std::make_unique<Channel>(kChannelCapacity));
}

SteerFabric::~SteerFabric() {
    // Workers have returned: what they handed off and nobody took is freed
    // (tasks belong to the control thread, which waited for them).
    for (auto& c : channels_)
        c->consume_all([](const SteerMessage& msg) {
            if (msg.kind != SteerMessage::Kind::task) rte_pktmbuf_free(static_cast<rte_mbuf*>(msg.what));
        });
}

bool SteerFabric::run_on_every_worker(WorkerTask& task, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (unsigned w = 0; w < workers_; ++w)
        while (!channel(workers_, w).push(SteerMessage{SteerMessage::Kind::task, &task})) {
            if (std::chrono::steady_clock::now() >= deadline) return false;
            std::this_thread::sleep_for(std::chrono::microseconds(100));
        }
    while (task.done.load(std::memory_order_acquire) < workers_) {
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
    return true;
}

Steering::Steering(SteerFabric& fabric, unsigned me, unsigned tx_relay, rte_mempool* pool,
                   WorkerCounters& counters)
    : fabric_(fabric), me_(me), tx_relay_(tx_relay), pool_(pool), counters_(counters) {}

unsigned Steering::home_of(const rte_mbuf* m) const {
    // Fixed offsets, as the device's parser reads them: Ethernet II, IPv4 of
    // any header length, TCP, not a fragment (a fragment is dropped wherever
    // it lands). The frame is validated later, on its home worker.
    constexpr std::size_t kIp = net::kEthernetHeaderLen;
    if (m->data_len < kIp + net::kIpv4MinHeaderLen) return me_;
    const auto* p = rte_pktmbuf_mtod(m, const std::uint8_t*);
    if (net::load_be16(p + 12) != static_cast<std::uint16_t>(net::EtherType::ipv4)) return me_;
    const std::uint8_t* ip = p + kIp;
    const std::size_t ihl = (ip[0] & 0x0f) * 4u;
    if ((ip[0] >> 4) != 4 || ihl < net::kIpv4MinHeaderLen || ip[9] != net::kIpProtoTcp ||
        (net::load_be16(ip + 6) & 0x3fff) != 0 || m->data_len < kIp + ihl + 4)
        return me_;
    if (m->ol_flags & RTE_MBUF_F_RX_RSS_HASH) return fabric_.spread().home_of_hash(m->hash.rss);
    return fabric_.spread().home_of(net::Ipv4Addr{net::load_be32(ip + 12)}, net::Ipv4Addr{net::load_be32(ip + 16)},
                                    net::load_be16(ip + ihl), net::load_be16(ip + ihl + 2));
}

std::size_t Steering::sort(std::span<rte_mbuf*> frames) {
    const unsigned workers = fabric_.workers();
    // Messages per destination, for one push each (a burst is 32 frames).
    std::array<std::array<SteerMessage, 32>, 16> away;
    std::array<std::uint8_t, 16> away_count{};
    std::size_t kept = 0;
    for (rte_mbuf* m : frames) {
        const unsigned home = home_of(m);
        if (home == me_) {
            const auto* p = rte_pktmbuf_mtod(m, const std::uint8_t*);
            if (m->data_len >= net::kEthernetHeaderLen &&
                net::load_be16(p + 12) == static_cast<std::uint16_t>(net::EtherType::arp))
                copy_to_others(m);
            frames[kept++] = m;
            continue;
        }
        ++counters_.steer.foreign_packets;
        const SteerMessage msg{SteerMessage::Kind::rx_frame, m};
        if (home >= away.size()) {
            hand_off(home, {&msg, 1});
            continue;
        }
        if (away_count[home] == away[home].size()) {
            hand_off(home, away[home]);
            away_count[home] = 0;
        }
        away[home][away_count[home]++] = msg;
    }
    for (unsigned w = 0; w < workers && w < away.size(); ++w)
        if (away_count[w] > 0) hand_off(w, {away[w].data(), away_count[w]});
    return kept;
}

void Steering::hand_off(unsigned to, std::span<const SteerMessage> msgs) {
    const std::size_t pushed = fabric_.channel(me_, to).push(msgs.data(), msgs.size());
    for (std::size_t i = pushed; i < msgs.size(); ++i) rte_pktmbuf_free(static_cast<rte_mbuf*>(msgs[i].what));
    counters_.drops[static_cast<std::size_t>(net::Drop::steer_channel_full)] += msgs.size() - pushed;
    if (msgs[0].kind == SteerMessage::Kind::rx_frame) counters_.steer.handed_off += pushed;
    else counters_.steer.tx_relayed += pushed;
}

void Steering::copy_to_others(const rte_mbuf* m) {
    for (unsigned w = 0; w < fabric_.workers(); ++w) {
        if (w == me_) continue;
        rte_mbuf* copy = rte_pktmbuf_copy(m, pool_, 0, UINT32_MAX);
        if (!copy) continue;  // a neighbour cache learns again from the next ARP
        ++counters_.steer.arp_copies;
        const SteerMessage msg{SteerMessage::Kind::rx_frame, copy};
        hand_off(w, {&msg, 1});
    }
}

void Steering::relay(std::span<rte_mbuf* const> frames) {
    std::array<SteerMessage, 32> msgs;
    for (std::size_t at = 0; at < frames.size(); at += msgs.size()) {
        const std::size_t n = std::min(msgs.size(), frames.size() - at);
        for (std::size_t i = 0; i < n; ++i) msgs[i] = SteerMessage{SteerMessage::Kind::tx_frame, frames[at + i]};
        hand_off(tx_relay_, {msgs.data(), n});
    }
}

void Steering::run_task(SteerMessage msg, tcp::Stack& stack) {
    auto* task = static_cast<WorkerTask*>(msg.what);
    task->run(stack, me_);
    task->done.fetch_add(1, std::memory_order_release);
}

}  // namespace synline::engine
