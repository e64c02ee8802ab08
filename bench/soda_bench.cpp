// The cutout engine as a library call (issue 11 section 4): a CIRCLE on an image -> the pixel box
// (dax/image/cutout.hpp) -> the cutout FITS in memory (dax/fits/cutout.hpp), repeated; beside it
// CFITSIO's own fits_read_subset + write of the same box into a file, the floor for any
// CFITSIO-based service. Figures printed, never pass/fail.
//   soda_bench FILE HDU RA DEC RADIUS [REPEATS]
#include <dax/fits/cutout.hpp>
#include <dax/fits/image.hpp>
#include <dax/image/cutout.hpp>
#include <dax/image/wcs.hpp>

#include <fitsio.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

using namespace dax;
using clock_type = std::chrono::steady_clock;

namespace {

double ms(clock_type::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

void report(const char* what, std::vector<double>& t) {
    std::sort(t.begin(), t.end());
    std::printf("%-44s median %.3f ms, p90 %.3f ms, min %.3f ms (%zu runs)\n", what, t[t.size() / 2], t[t.size() * 9 / 10], t[0], t.size());
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 6) {
        std::fprintf(stderr, "usage: soda_bench FILE HDU RA DEC RADIUS [REPEATS]\n");
        return 2;
    }
    const std::string path = argv[1];
    const int hdu = std::atoi(argv[2]);
    const int repeats = argc > 6 ? std::atoi(argv[6]) : 1000;
    dali::shape region;
    region.kind = dali::shape::kind_t::circle;
    region.numbers = {std::atof(argv[3]), std::atof(argv[4]), std::atof(argv[5])};

    std::vector<double> whole, box_only, header_only, write_only;
    std::size_t bytes = 0;
    image::pixel_box box;
    string_sink out;  // reused, as a pipeline reuses its buffer: the figure is the cutout's, not malloc's
    for (int i = 0; i < repeats + 20; ++i) {
        const auto t0 = clock_type::now();
        auto headers = fits::read_headers(path);
        if (!headers) return std::fprintf(stderr, "%s\n", headers.err().what()), 1;
        const auto& sci = (*headers)[static_cast<std::size_t>(hdu)];
        auto wcs = image::sky_wcs::from_header(sci.header, sci.shape);
        if (!wcs) return std::fprintf(stderr, "%s\n", wcs.err().what()), 1;
        const auto t1 = clock_type::now();
        auto b = image::cutout_box(*wcs, region);
        if (!b) return std::fprintf(stderr, "the region misses the image\n"), 1;
        box = *b;
        const auto t2 = clock_type::now();
        fits::cutout_spec spec;
        spec.science_hdu = hdu;
        spec.first = {b->x1, b->y1};
        spec.last = {b->x2, b->y2};
        out.out.clear();
        bytes = fits::write_cutout(path, spec, out);
        const auto t3 = clock_type::now();
        if (i >= 20) {
            whole.push_back(ms(t3 - t0));
            box_only.push_back(ms(t2 - t1));
            header_only.push_back(ms(t1 - t0));
            write_only.push_back(ms(t3 - t2));
        }
    }
    std::printf("%s HDU %d: box [%ld:%ld,%ld:%ld] (%ld x %ld), %zu bytes\n", path.c_str(), hdu, box.x1, box.x2, box.y1, box.y2,
                box.width(), box.height(), bytes);
    report("libdax: headers + WCS + box + cutout FITS", whole);
    report("libdax: headers + WCS (read_headers, wcspih)", header_only);
    report("libdax: the box alone (256 boundary points)", box_only);
    report("libdax: the cutout FITS alone (write_cutout)", write_only);

    // CFITSIO alone: open, read the box, write it as a new file (no header work, no checksum).
    std::vector<double> plain;
    const std::string out_path = std::string(std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp") + "/soda_bench_cfitsio.fits";
    for (int i = 0; i < repeats + 20; ++i) {
        const auto t0 = clock_type::now();
        int status = 0, type = 0;
        fitsfile *in = nullptr, *o = nullptr;
        fits_open_diskfile(&in, path.c_str(), READONLY, &status);
        fits_movabs_hdu(in, hdu + 1, &type, &status);
        long first[2] = {box.x1, box.y1}, last[2] = {box.x2, box.y2}, inc[2] = {1, 1}, dims[2] = {box.width(), box.height()};
        std::vector<float> px(static_cast<std::size_t>(dims[0] * dims[1]));
        int anynul = 0;
        fits_read_subset(in, TFLOAT, first, last, inc, nullptr, px.data(), &anynul, &status);
        const std::string name = "!" + out_path;
        fits_create_file(&o, name.c_str(), &status);
        fits_create_img(o, FLOAT_IMG, 2, dims, &status);
        fits_write_img(o, TFLOAT, 1, static_cast<LONGLONG>(px.size()), px.data(), &status);
        fits_close_file(o, &status);
        fits_close_file(in, &status);
        if (status) return std::fprintf(stderr, "CFITSIO status %d\n", status), 1;
        if (i >= 20) plain.push_back(ms(clock_type::now() - t0));
    }
    std::remove(out_path.c_str());
    report("CFITSIO alone: open + fits_read_subset + write", plain);
    return 0;
}
