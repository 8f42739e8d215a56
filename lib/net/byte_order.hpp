// Explicit big-endian loads and stores. Wire fields are read through these and
// never by casting packed structs, so alignment and byte order are never in doubt.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>

namespace synline::net {

// One unaligned native load or store and one byte swap each: GCC does not fuse
// the byte-by-byte form into that, and these sit on every header of every packet.
inline std::uint16_t load_be16(const std::uint8_t* p) {
    std::uint16_t v;
    std::memcpy(&v, p, sizeof v);
    return std::endian::native == std::endian::big ? v : __builtin_bswap16(v);
}

inline std::uint32_t load_be32(const std::uint8_t* p) {
    std::uint32_t v;
    std::memcpy(&v, p, sizeof v);
    return std::endian::native == std::endian::big ? v : __builtin_bswap32(v);
}

inline void store_be16(std::uint8_t* p, std::uint16_t v) {
    if constexpr (std::endian::native == std::endian::little) v = __builtin_bswap16(v);
    std::memcpy(p, &v, sizeof v);
}

inline void store_be32(std::uint8_t* p, std::uint32_t v) {
    if constexpr (std::endian::native == std::endian::little) v = __builtin_bswap32(v);
    std::memcpy(p, &v, sizeof v);
}

}  // namespace synline::net
