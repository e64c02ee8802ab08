#pragma once
// Switches of the fuzz targets: set, and neither empty nor "0".
#include <cstdlib>
#include <string_view>

namespace dax_fuzz {
inline bool env_on(const char* name) {
    const char* v = std::getenv(name);
    return v && *v && std::string_view(v) != "0";
}
}  // namespace dax_fuzz
