#pragma once
// Unit conversion for IN_UNIT (ADQL 2.1 section 4.6.3): VOUnits 1.0 strings, composite ones
// included, converted when their dimensions agree.
#include <optional>
#include <string>
#include <string_view>

namespace dax::adql::detail {

/// Factor f such that value[from] * f = value[to]; nullopt with `why` set if impossible.
std::optional<double> unit_factor(std::string_view from, std::string_view to, std::string& why);

}  // namespace dax::adql::detail
