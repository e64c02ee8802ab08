// Frame conversions to ICRS with ERFA (the IAU's SOFA library in C). The constants are the
// published definitions astropy also uses; see frames.hpp.
#include <dax/geometry/frames.hpp>

#include <erfa.h>
#include <erfam.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <string>

namespace dax::geometry {
namespace {

using matrix = double[3][3];

std::string lower(std::string_view s) {
    std::string r(s);
    for (auto& c : r) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return r;
}

constexpr double mas = ERFA_DAS2R / 1000.0;

// ICRS -> FK5 J2000: the frame bias of USNO Circular 179 (Kaplan 2005, eq. 3.4): eta0 =
// -19.9 mas, xi0 = 9.1 mas, d_alpha0 = -22.9 mas, as Rx(-eta0) Ry(xi0) Rz(d_alpha0).
void icrs_to_fk5(matrix r) {
    eraIr(r);
    eraRz(-22.9 * mas, r);
    eraRy(9.1 * mas, r);
    eraRx(19.9 * mas, r);
}

// FK5 J2000 -> galactic: the north galactic pole at RA 192.8594812065348, Dec 27.12825118085622
// and the longitude of the celestial pole 122.9319185680026 degrees (the IAU 1958 definition
// carried to FK5 J2000, Murray 1989).
void fk5_to_galactic(matrix r) {
    eraIr(r);
    eraRz(192.8594812065348 * ERFA_DD2R, r);
    eraRy((90.0 - 27.12825118085622) * ERFA_DD2R, r);
    eraRz((180.0 - 122.9319185680026) * ERFA_DD2R, r);
}

// FK4 (no E-terms, equinox and epoch B1950) -> FK5 J2000: Murray (1989, A&A 218, 325) eq. 28,
// with the correction of eq. 29 for the epoch (T centuries from B1950; here the epoch B1950).
constexpr double b1950_to_j2000[3][3] = {{0.9999256794956877, -0.0111814832204662, -0.0048590038153592},
                                         {0.0111814832391717, +0.9999374848933135, -0.0000271625947142},
                                         {0.0048590037723143, -0.0000271702937440, +0.9999881946023742}};
constexpr double fk4_correction[3][3] = {{-0.0026455262e-6, -1.1539918689e-6, +2.1111346190e-6},
                                         {+1.1540628161e-6, -0.0129042997e-6, +0.0236021478e-6},
                                         {-2.1112979048e-6, -0.0056024448e-6, +0.0102587734e-6}};

void fk4_to_fk5(const double in[3], double out[3]) {
    double d1, d2;
    eraEpb2jd(1950.0, &d1, &d2);
    const double t = (eraEpj(d1, d2) - 1950.0) / 100.0;
    matrix m;
    for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 3; ++j) m[i][j] = b1950_to_j2000[i][j] + fk4_correction[i][j] * t;
    eraRxp(m, const_cast<double*>(in), out);
}

// The E-terms of aberration at B1950 (Explanatory Supplement 1992, 3.531): k = 0.0056932 deg,
// the Earth's orbital eccentricity and longitude of perihelion at B1950, the IAU 1980 obliquity.
void remove_e_terms(double r[3]) {
    double d1, d2;
    eraEpb2jd(1950.0, &d1, &d2);
    const double k = 0.0056932 * ERFA_DD2R, e = 0.01673011, g = 1015489.951 * ERFA_DAS2R, o = eraObl80(d1, d2);
    double a[3] = {e * k * std::sin(g), -e * k * std::cos(g) * std::cos(o), -e * k * std::cos(g) * std::sin(o)};
    const double ar = eraPdp(a, r);
    for (int i = 0; i < 3; ++i) r[i] = r[i] - a[i] + ar * r[i];
    double n;
    double u[3];
    eraPn(r, &n, u);
    eraCp(u, r);
}

lonlat from_vector(const double v[3]) {
    double ra, dec;
    eraC2s(const_cast<double*>(v), &ra, &dec);
    return {eraAnp(ra) * ERFA_DR2D, dec * ERFA_DR2D};
}

}  // namespace

result<frame> parse_frame(std::string_view text) {
    std::optional<frame> f;
    std::size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
        std::size_t j = i;
        while (j < text.size() && !std::isspace(static_cast<unsigned char>(text[j]))) ++j;
        if (j == i) break;
        const std::string w = lower(text.substr(i, j - i));
        std::optional<frame> here;
        if (w == "icrs" || w == "unknownframe") here = frame::icrs;
        else if (w == "fk5" || w == "j2000" || w == "j2000.0") here = frame::fk5;
        else if (w == "fk4" || w == "b1950" || w == "b1950.0") here = frame::fk4;
        else if (w == "galactic" || w == "galactic_ii") here = frame::galactic;
        else if (w == "ecliptic") here = frame::ecliptic;
        else if (!is_frame_word(w))
            return error(fmt::format("unknown coordinate system '{}': ICRS, FK5, FK4, GALACTIC or ECLIPTIC", std::string(text.substr(i, j - i))));
        if (here) {
            if (f && *f != *here) return error(fmt::format("coordinate system '{}' names two frames", std::string(text)));
            f = here;
        }
        i = j;
    }
    return f.value_or(frame::icrs);
}

const char* frame_name(frame f) {
    switch (f) {
    case frame::icrs: return "ICRS";
    case frame::fk5: return "FK5";
    case frame::fk4: return "FK4";
    case frame::galactic: return "GALACTIC";
    case frame::ecliptic: return "ECLIPTIC";
    }
    return "ICRS";
}

bool is_frame_word(std::string_view word) {
    static const std::array<std::string_view, 23> words = {
        "icrs", "fk5", "fk4", "j2000", "b1950", "j2000.0", "b1950.0", "galactic", "galactic_ii", "ecliptic", "unknownframe",
        "geocenter", "barycenter", "heliocenter", "topocenter", "lsr", "lsrk", "lsrd", "galactic_center",
        "local_group_center", "unknownrefpos", "spherical2", "cartesian2"};
    const std::string w = lower(word);
    for (auto x : words)
        if (x == w) return true;
    return false;
}

bool is_rotation(frame f) { return f != frame::fk4; }

lonlat to_icrs(frame f, lonlat p) {
    if (f == frame::icrs) return {std::fmod(std::fmod(p.lon, 360.0) + 360.0, 360.0), p.lat};
    double v[3];
    eraS2c(p.lon * ERFA_DD2R, p.lat * ERFA_DD2R, v);
    if (f == frame::ecliptic) {
        double ra, dec;
        eraEceq06(ERFA_DJ00, 0.0, p.lon * ERFA_DD2R, p.lat * ERFA_DD2R, &ra, &dec);
        return {eraAnp(ra) * ERFA_DR2D, dec * ERFA_DR2D};
    }
    double fk5[3];
    if (f == frame::galactic) {
        matrix g;
        fk5_to_galactic(g);
        eraTrxp(g, v, fk5);
    } else if (f == frame::fk4) {
        remove_e_terms(v);
        fk4_to_fk5(v, fk5);
    } else {
        eraCp(v, fk5);
    }
    matrix b;
    icrs_to_fk5(b);
    double icrs[3];
    eraTrxp(b, fk5, icrs);
    return from_vector(icrs);
}

std::pair<lonlat, double> circle_to_icrs(frame f, lonlat centre, double radius) {
    const lonlat c = to_icrs(f, centre);
    if (is_rotation(f)) return {c, radius};
    double r = 0;
    const double d = centre.lat * ERFA_DD2R, rr = radius * ERFA_DD2R;
    for (int k = 0; k < 64; ++k) {  // the edge: the point at distance `radius`, bearing t
        const double t = 2 * M_PI * k / 64;
        const double lat = std::asin(std::sin(d) * std::cos(rr) + std::cos(d) * std::sin(rr) * std::cos(t));
        const double dlon = std::atan2(std::sin(t) * std::sin(rr) * std::cos(d), std::cos(rr) - std::sin(d) * std::sin(lat));
        const lonlat p = to_icrs(f, {centre.lon + dlon * ERFA_DR2D, lat * ERFA_DR2D});
        r = std::max(r, distance_deg(c.lon, c.lat, p.lon, p.lat));
    }
    return {c, r};
}

}  // namespace dax::geometry
