// FITS images -> ObsCore rows, compared with the rows the peers' generator wrote for the same
// images (shared/peers/data: gen_data.py's obscore.csv, gen_images.py's files: plain, TAN-SIP,
// multi-extension, RICE tile-compressed). DAX_PEER_DATA names the directory (peer_images.sh
// makes it); without it the peer cases are not run and the test fails.
#include <dax/image/obscore.hpp>
#include <dax/image/wcs.hpp>

#include <dax/dali/shapes.hpp>
#include <dax/fits/image.hpp>

#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace {

// obscore.csv: no quoted field contains a comma except obs_title, which has none either.
std::vector<std::map<std::string, std::string>> read_obscore(const std::string& path) {
    std::ifstream in(path);
    std::string line;
    std::getline(in, line);
    std::vector<std::string> names;
    std::stringstream hs(line);
    for (std::string f; std::getline(hs, f, ',');) names.push_back(f);
    std::vector<std::map<std::string, std::string>> rows;
    while (std::getline(in, line)) {
        std::map<std::string, std::string> r;
        std::stringstream ls(line);
        std::size_t i = 0;
        for (std::string f; i < names.size() && std::getline(ls, f, ','); ++i) r[names[i]] = f;
        rows.push_back(r);
    }
    return rows;
}

std::vector<double> numbers(const std::string& s) {
    std::vector<double> v;
    dax::dali::scan_numbers(s, v);
    return v;
}

double sep_deg(double ra1, double dec1, double ra2, double dec2) { return dax::geometry::distance_deg(ra1, dec1, ra2, dec2); }

}  // namespace

TEST_CASE("image: the peers' images give the peers' ObsCore rows") {
    const char* dir = std::getenv("DAX_PEER_DATA");
    REQUIRE_MESSAGE(dir, "DAX_PEER_DATA is not set: run tests/image/peer_images.sh");
    const auto rows = read_obscore(std::string(dir) + "/obscore.csv");
    dax::image::ingest_settings s;
    s.collection = "DEMO-SYNTH";
    s.did_template = "ivo://libdax.test/demo/images?{obs_id}";
    std::ifstream manifest(std::string(dir) + "/images/manifest.csv");
    std::string line;
    std::getline(manifest, line);
    int checked = 0, sip = 0, layouts_mef = 0, layouts_rice = 0;
    while (std::getline(manifest, line)) {
        std::stringstream ls(line);
        std::vector<std::string> m;
        for (std::string f; std::getline(ls, f, ',');) m.push_back(f);
        const auto& row = rows.at(static_cast<std::size_t>(checked));
        CAPTURE(m[1]);
        REQUIRE(row.at("obs_id") == m[0]);
        auto d = dax::image::describe_fits(std::string(dir) + "/images/" + m[1], s);
        REQUIRE_MESSAGE(d, (d ? "" : d.err().what()));
        CHECK(d->obs_id == row.at("obs_id"));
        CHECK(d->did == row.at("obs_publisher_did"));
        CHECK(d->hdu == std::stoi(m[4]));
        CHECK(d->xel1 == std::stol(row.at("s_xel1")));
        CHECK(d->xel2 == std::stol(row.at("s_xel2")));
        CHECK(d->pixel_scale_arcsec == doctest::Approx(std::stod(row.at("s_pixel_scale"))).epsilon(1e-9));
        CHECK(sep_deg(d->ra, d->dec, std::stod(row.at("s_ra")), std::stod(row.at("s_dec"))) < 1e-6);
        // s_fov: ours is the great-circle diagonal, the generator's the tangent-plane one.
        CHECK(d->fov == doctest::Approx(std::stod(row.at("s_fov"))).epsilon(1e-3));
        CHECK(*d->t_min == doctest::Approx(std::stod(row.at("t_min"))).epsilon(1e-12));
        CHECK(*d->t_max == doctest::Approx(std::stod(row.at("t_max"))).epsilon(1e-12));
        CHECK(*d->exptime == doctest::Approx(std::stod(row.at("t_exptime"))));
        CHECK(*d->em_min == doctest::Approx(std::stod(row.at("em_min"))));
        CHECK(*d->em_max == doctest::Approx(std::stod(row.at("em_max"))));
        CHECK(d->facility == row.at("facility_name"));
        CHECK(d->instrument == row.at("instrument_name"));
        CHECK(d->target == row.at("target_name"));
        // Every vertex of the peers' footprint (the four corners) is one of ours, in the same
        // order, within 1e-6 degrees; a SIP image has more vertices (its bent edges), a plain
        // TAN image exactly these.
        const auto want = numbers(row.at("s_region"));
        REQUIRE(want.size() == 8);
        std::size_t at = 0;
        for (std::size_t k = 0; k < 4; ++k) {
            while (at < d->region.size() && sep_deg(d->region[at].lon, d->region[at].lat, want[2 * k], want[2 * k + 1]) > 1e-6) ++at;
            CHECK_MESSAGE(at < d->region.size(), "corner " << k << " of s_region is not a vertex");
        }
        if (m[3] == "1") {
            ++sip;
            CHECK(d->region.size() > 4);
        } else {
            CHECK(d->region.size() == 4);
        }
        layouts_mef += m[2] == "mef";
        layouts_rice += m[2] == "rice";
        ++checked;
    }
    CHECK(checked >= 10);
    CHECK(sip > 0);
    CHECK(layouts_mef > 0);
    CHECK(layouts_rice > 0);
    MESSAGE(checked << " images compared, " << sip << " with SIP");
}
