// Catch2's own main for test binaries that need no EAL; in its own file so the
// (slow) Catch2 implementation compiles once.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
