#pragma once
// Reading optional keys of the YAML config: a key that is absent keeps the default.
#include <yaml-cpp/yaml.h>

#include <chrono>

namespace dax::http {

template <class T>
void read(const YAML::Node& n, const char* key, T& into) {
    if (n && n[key]) into = n[key].as<T>();
}

/// A key given in whole seconds, into any std::chrono duration.
template <class Rep, class Period>
void read_seconds(const YAML::Node& n, const char* key, std::chrono::duration<Rep, Period>& into) {
    if (n && n[key]) into = std::chrono::seconds(n[key].as<long long>());
}

}  // namespace dax::http
