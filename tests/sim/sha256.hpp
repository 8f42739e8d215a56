// SHA-256 (FIPS 180-4) of a byte stream fed in pieces, for tests that check
// that what one end sent is what the other end received. OpenSSL does the
// work (libdpdk-dev depends on libssl-dev, so it is always installed).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

namespace synline::sim {

class Sha256 {
public:
    using Digest = std::array<std::uint8_t, 32>;

    Sha256();
    ~Sha256();
    Sha256(const Sha256&) = delete;
    Sha256& operator=(const Sha256&) = delete;

    void update(std::span<const std::uint8_t> bytes);
    // The digest of everything fed so far; the hash then starts over.
    Digest finish();

    static std::string hex(const Digest& d);

private:
    struct Context;
    std::unique_ptr<Context> ctx_;
};

}  // namespace synline::sim
