#include "sha256.hpp"

#include <openssl/evp.h>

#include <stdexcept>

namespace synline::sim {

struct Sha256::Context {
    EVP_MD_CTX* md = nullptr;
};

Sha256::Sha256() : ctx_(std::make_unique<Context>()) {
    ctx_->md = EVP_MD_CTX_new();
    if (!ctx_->md || EVP_DigestInit_ex(ctx_->md, EVP_sha256(), nullptr) != 1)
        throw std::runtime_error("Sha256: OpenSSL could not start a SHA-256 digest");
}

Sha256::~Sha256() { EVP_MD_CTX_free(ctx_->md); }

void Sha256::update(std::span<const std::uint8_t> bytes) {
    if (!bytes.empty()) EVP_DigestUpdate(ctx_->md, bytes.data(), bytes.size());
}

Sha256::Digest Sha256::finish() {
    Digest d{};
    unsigned len = 0;
    EVP_DigestFinal_ex(ctx_->md, d.data(), &len);
    EVP_DigestInit_ex(ctx_->md, EVP_sha256(), nullptr);
    return d;
}

std::string Sha256::hex(const Digest& d) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string s;
    for (std::uint8_t b : d) {
        s += kHex[b >> 4];
        s += kHex[b & 15];
    }
    return s;
}

}  // namespace synline::sim
