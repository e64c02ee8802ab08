// A C++ rendering of the peers' generator (shared/peers/data/gen_data.py): same random
// sequence, same arithmetic, same formatting, hence the same CSV bytes (a test compares them).
#include "python_random.hpp"

#include <dax/tap/demo_data.hpp>

#include <fmt/format.h>

#include <cmath>
#include <cstdio>
#include <vector>

namespace dax::tap {
namespace {

double radians(double d) { return d * (M_PI / 180.0); }  // as CPython computes them
double degrees(double r) { return r * (180.0 / M_PI); }
double py_mod(double a, double b) {  // Python's % on floats: result has the sign of b
    double m = std::fmod(a, b);
    if (m != 0 && ((m < 0) != (b < 0))) m += b;
    return m;
}

constexpr int max_xel = 1024;

struct band { const char* name; double em_min, em_max; };
constexpr band bands[] = {{"u", 3.2e-7, 4.0e-7}, {"g", 4.0e-7, 5.5e-7}, {"r", 5.5e-7, 6.9e-7},
                          {"i", 6.9e-7, 8.2e-7}, {"z", 8.2e-7, 9.2e-7}};
// (layout, SIP) cycling over 10 rows; see gen_data.py's LAYOUT_CYCLE.
constexpr const char* layouts[] = {"plain", "plain", "plain", "mef", "rice", "plain", "plain", "plain", "mef", "rice"};

std::pair<double, long> pixel_grid(double side, double natural) {
    const long n = std::lround(side * 3600.0 / natural);  // Python round(): halves never occur here
    long f = std::max(1L, (n + max_xel - 1) / max_xel);
    while (n % f) ++f;
    return {natural * static_cast<double>(f), n / f};
}

long estimated_size(const std::string& layout, long nx, long ny) {
    const long data = (nx * ny * 4 + 2879) / 2880 * 2880;
    if (layout == "mef") return 4 * 2 * 2880 + 3 * data;
    if (layout == "rice") return 2 * 2 * 2880 + data;
    return 2 * 2880 + data;
}

std::pair<double, double> tan_to_sky(double ra0, double dec0, double xi, double eta) {
    const double a0 = radians(ra0), d0 = radians(dec0), x = radians(xi), y = radians(eta);
    const double denom = std::cos(d0) - y * std::sin(d0);
    const double ra = a0 + std::atan2(x, denom);
    const double dec = std::atan2(std::sin(d0) + y * std::cos(d0), std::hypot(x, denom));
    return {py_mod(degrees(ra), 360.0), degrees(dec)};
}

}  // namespace

std::string demo_stars_csv(int n) {
    python_random rng(20240601U);
    std::string out = "id,ra,dec,mag_g,mag_r\n";
    out.reserve(std::size_t(n) * 48);
    for (int i = 1; i <= n; ++i) {
        const double ra = 360.0 * rng.random();
        const double dec = degrees(std::asin(2.0 * rng.random() - 1.0));
        const double mag_r = 12.0 + 11.0 * std::pow(rng.random(), 0.35);
        const double u = rng.random();
        const double colour = 0.2 + 0.9 * u + 0.1 * rng.gauss(0.0, 1.0);
        const double mag_g = mag_r + colour;
        fmt::format_to(std::back_inserter(out), "{},{:.10f},{:.10f},{:.3f},{:.3f}\n", i, ra, dec, mag_g, mag_r);
    }
    return out;
}

std::string demo_obscore_csv(int n) {
    python_random rng(20240602U);
    std::string out =
        "dataproduct_type,dataproduct_subtype,calib_level,obs_collection,obs_id,obs_title,obs_publisher_did,"
        "obs_creator_did,access_url,access_format,access_estsize,target_name,target_class,s_ra,s_dec,s_fov,"
        "s_region,s_resolution,t_min,t_max,t_exptime,t_resolution,em_min,em_max,em_res_power,o_ucd,pol_states,"
        "facility_name,instrument_name,s_xel1,s_xel2,t_xel,em_xel,pol_xel,s_pixel_scale,em_ucd,preview\n";
    const std::array<double, 3> sides = {0.25, 0.5, 1.0};
    const std::array<double, 3> naturals = {0.2, 0.4, 0.8};
    const std::array<double, 4> exptimes = {60.0, 120.0, 300.0, 600.0};
    for (int i = 1; i <= n; ++i) {
        const std::string obs_id = fmt::format("img-{:06d}", i);
        double s_ra, s_dec, side;
        if (i <= 100) {
            const int gx = (i - 1) % 10, gy = (i - 1) / 10;
            s_dec = 5.5 + gy;
            s_ra = 10.0 + (gx - 4.5) / std::cos(radians(s_dec));
            side = 1.1;
        } else {
            s_ra = 360.0 * rng.random();
            const double smax = std::sin(radians(80.0));
            s_dec = degrees(std::asin(smax * (2.0 * rng.random() - 1.0)));
            side = rng.choice(sides);
        }
        const band& b = bands[(i - 1) % 5];
        const double natural = rng.choice(naturals);
        const auto [pixscale, nx] = pixel_grid(side, natural);
        const long ny = nx;
        const std::string layout = layouts[(i - 1) % 10];
        const std::string fname = obs_id + ".fits" + (layout == "rice" ? ".fz" : "");
        const double h = side / 2.0;
        const std::pair<double, double> corners[] = {{+h, -h}, {+h, +h}, {-h, +h}, {-h, -h}};
        std::string poly;
        for (const auto& [xi, eta] : corners) {
            const auto [ra, dec] = tan_to_sky(s_ra, s_dec, xi, eta);
            fmt::format_to(std::back_inserter(poly), "{}{:.8f} {:.8f}", poly.empty() ? "" : " ", ra, dec);
        }
        const double r = rng.random();
        const int calib = r < 0.1 ? 1 : (r > 0.9 ? 3 : 2);
        const double exptime = rng.choice(exptimes);
        const double t_min = 59000.0 + 1000.0 * rng.random();
        const double t_max = t_min + exptime / 86400.0;
        const double seeing = 0.6 + 1.0 * rng.random();
        const long estsize = estimated_size(layout, nx, ny) / 1024 + 1;
        fmt::format_to(std::back_inserter(out),
                       "image,,{},DEMO-SYNTH,{},Synthetic {}-band image {},ivo://libdax.test/demo/images?{},,"
                       "https://data.example.org/demo/images/{},image/fits,{},field-{:04d},,{:.8f},{:.8f},{:.6f},"
                       "{},{:.3f},{:.8f},{:.8f},{:.1f},{:.1f},{:.4e},{:.4e},{:.4f},phot.count,,Demo Observatory,"
                       "SynthCam,{},{},1,1,1,{:.3f},em.wl,\n",
                       calib, obs_id, b.name, obs_id, obs_id, fname, estsize, i, py_mod(s_ra, 360.0), s_dec,
                       side * std::sqrt(2.0), poly, seeing, t_min, t_max, exptime, exptime, b.em_min, b.em_max,
                       (b.em_min + b.em_max) / 2.0 / (b.em_max - b.em_min), nx, ny, pixscale);
    }
    return out;
}

namespace {

constexpr int visit_count = 40;

struct visit {
    double mjd;
    const char* band;
};

std::vector<visit> demo_visits() {
    python_random rng(20261201U);
    std::vector<visit> v;
    for (int k = 0; k < visit_count; ++k)  // every 18 days, at a random time of the night
        v.push_back({std::round((60310.0 + 18.0 * k + 0.3 * rng.random()) * 1e6) / 1e6, k % 2 ? "r" : "g"});
    return v;
}

}  // namespace

std::string demo_visits_csv() {
    std::string out = "visit_id,mjd,band,exptime\n";
    int id = 0;
    for (const auto& v : demo_visits()) fmt::format_to(std::back_inserter(out), "{},{:.6f},{},30\n", ++id, v.mjd, v.band);
    return out;
}

std::string demo_forced_sources_csv(int stars) {
    const auto visits = demo_visits();
    const std::string catalog = demo_stars_csv(stars);  // the same first stars as demo.stars
    python_random rng(20261202U);
    std::string out = "forced_id,star_id,visit_id,band,flux,flux_err\n";
    std::size_t at = catalog.find('\n') + 1;
    long forced = 0;
    while (at < catalog.size()) {
        const std::size_t end = catalog.find('\n', at);
        const std::string row = catalog.substr(at, end - at);
        at = end + 1;
        long id;
        double ra, dec, mag_g, mag_r;
        if (std::sscanf(row.c_str(), "%ld,%lf,%lf,%lf,%lf", &id, &ra, &dec, &mag_g, &mag_r) != 5) continue;
        const bool varies = id % 10 == 0;
        const double amplitude = 0.1 + 0.4 * rng.random(), period = 0.3 * std::pow(100.0, rng.random()), phase = rng.random();
        for (std::size_t k = 0; k < visits.size(); ++k) {
            double mag = visits[k].band[0] == 'g' ? mag_g : mag_r;
            if (varies) mag += amplitude * std::sin(2 * M_PI * (visits[k].mjd / period + phase));
            const double flux = std::pow(10.0, -0.4 * (mag - 31.4));  // AB magnitude -> nJy
            const double err = 0.01 * flux + 100.0;
            fmt::format_to(std::back_inserter(out), "{},{},{},{},{:.3f},{:.3f}\n", ++forced, id, k + 1, visits[k].band, flux + err * rng.gauss(0.0, 1.0), err);
        }
    }
    return out;
}

}  // namespace dax::tap
