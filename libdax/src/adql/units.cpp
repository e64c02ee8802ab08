#include "units.hpp"

#include <cmath>
#include <fmt/format.h>

namespace dax::adql::detail {

namespace {
struct unit_def {
    std::string_view name;
    std::string_view dimension;
    double si;  // value of one unit in the dimension's base unit
};

constexpr double pi = 3.14159265358979323846;
constexpr double julian_year = 365.25 * 86400;

constexpr unit_def units[] = {
    {"deg", "angle", 1}, {"rad", "angle", 180 / pi}, {"arcmin", "angle", 1.0 / 60},
    {"arcsec", "angle", 1.0 / 3600}, {"mas", "angle", 1.0 / 3.6e6}, {"uas", "angle", 1.0 / 3.6e9},
    {"m", "length", 1}, {"km", "length", 1e3}, {"cm", "length", 1e-2}, {"mm", "length", 1e-3},
    {"um", "length", 1e-6}, {"nm", "length", 1e-9}, {"Angstrom", "length", 1e-10},
    {"AU", "length", 1.495978707e11}, {"au", "length", 1.495978707e11},
    {"pc", "length", 3.0856775814913673e16}, {"kpc", "length", 3.0856775814913673e19},
    {"Mpc", "length", 3.0856775814913673e22}, {"Gpc", "length", 3.0856775814913673e25},
    {"lyr", "length", 9.4607304725808e15}, {"solRad", "length", 6.957e8},
    {"s", "time", 1}, {"ms", "time", 1e-3}, {"us", "time", 1e-6}, {"ns", "time", 1e-9},
    {"min", "time", 60}, {"h", "time", 3600}, {"d", "time", 86400}, {"yr", "time", julian_year},
    {"a", "time", julian_year}, {"kyr", "time", 1e3 * julian_year}, {"Myr", "time", 1e6 * julian_year},
    {"Gyr", "time", 1e9 * julian_year},
    {"kg", "mass", 1}, {"g", "mass", 1e-3}, {"solMass", "mass", 1.98841e30},
    {"Hz", "frequency", 1}, {"kHz", "frequency", 1e3}, {"MHz", "frequency", 1e6}, {"GHz", "frequency", 1e9},
    {"J", "energy", 1}, {"erg", "energy", 1e-7}, {"eV", "energy", 1.602176634e-19},
    {"keV", "energy", 1.602176634e-16}, {"MeV", "energy", 1.602176634e-13},
    {"m/s", "speed", 1}, {"km/s", "speed", 1e3}, {"km.s**-1", "speed", 1e3}, {"m.s**-1", "speed", 1},
    {"mas/yr", "angular speed", 1.0 / 3.6e6 / julian_year}, {"mas.yr**-1", "angular speed", 1.0 / 3.6e6 / julian_year},
    {"arcsec/yr", "angular speed", 1.0 / 3600 / julian_year}, {"deg/yr", "angular speed", 1.0 / julian_year},
    {"deg**2", "solid angle", 1}, {"arcmin**2", "solid angle", 1.0 / 3600}, {"arcsec**2", "solid angle", 1.0 / 1.296e7},
    {"sr", "solid angle", (180 / pi) * (180 / pi)},
    {"Jy", "flux density", 1}, {"mJy", "flux density", 1e-3}, {"uJy", "flux density", 1e-6},
    {"nJy", "flux density", 1e-9},
    {"K", "temperature", 1},
};

const unit_def* find(std::string_view u) {
    for (const auto& d : units)
        if (d.name == u) return &d;
    return nullptr;
}
}  // namespace

std::optional<double> unit_factor(std::string_view from, std::string_view to, std::string& why) {
    const unit_def* f = find(from);
    const unit_def* t = find(to);
    if (!t) {
        why = fmt::format("unknown unit '{}'", to);
        return std::nullopt;
    }
    if (from.empty()) {
        why = "the value has no known unit";
        return std::nullopt;
    }
    if (!f) {
        why = fmt::format("cannot convert from unit '{}'", from);
        return std::nullopt;
    }
    if (f->dimension != t->dimension) {
        why = fmt::format("cannot convert {} ({}) to {} ({})", from, f->dimension, to, t->dimension);
        return std::nullopt;
    }
    return f->si / t->si;
}

}  // namespace dax::adql::detail
