// Preview PNGs of images (DataLink #preview): sampled pixels, a stretch, libpng.
#include <dax/image/preview.hpp>

#include <dax/fits/image.hpp>

#include <fmt/format.h>
#include <png.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace dax::image {

namespace {

// IRAF's zscale limits (Tody, "IRAF display" 1986): about 1,000 samples sorted, a line fitted to
// them with 2.5-sigma rejection, the limits where that line, its slope divided by the contrast
// (0.25), meets the ends of the sample, around the median.
std::pair<double, double> zscale(std::vector<double> v) {
    const std::size_t step = std::max<std::size_t>(1, v.size() / 1000);
    std::vector<double> s;
    for (std::size_t i = 0; i < v.size(); i += step) s.push_back(v[i]);
    std::sort(s.begin(), s.end());
    const auto n = s.size();
    const double median = s[n / 2];
    std::vector<bool> keep(n, true);
    double slope = 0, icpt = median;
    for (int iter = 0; iter < 5; ++iter) {
        double sx = 0, sy = 0, sxx = 0, sxy = 0, m = 0;
        for (std::size_t i = 0; i < n; ++i)
            if (keep[i]) sx += static_cast<double>(i), sy += s[i], sxx += static_cast<double>(i * i), sxy += static_cast<double>(i) * s[i], ++m;
        if (m < std::max<double>(5, static_cast<double>(n) / 2)) break;  // too many rejected: keep the last fit
        const double d = m * sxx - sx * sx;
        if (d == 0) break;
        slope = (m * sxy - sx * sy) / d;
        icpt = (sy - slope * sx) / m;
        double ss = 0;
        for (std::size_t i = 0; i < n; ++i)
            if (keep[i]) ss += std::pow(s[i] - (icpt + slope * static_cast<double>(i)), 2);
        const double sigma = std::sqrt(ss / m);
        for (std::size_t i = 0; i < n; ++i) keep[i] = std::fabs(s[i] - (icpt + slope * static_cast<double>(i))) <= 2.5 * sigma;
    }
    const double contrast = 0.25, centre = static_cast<double>(n) / 2;
    const double z1 = std::max(s.front(), median - centre * slope / contrast);
    const double z2 = std::min(s.back(), median + (static_cast<double>(n) - centre) * slope / contrast);
    return {z1, z2};
}

double percentile(std::vector<double>& v, double p) {
    const auto k = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1));
    std::nth_element(v.begin(), v.begin() + static_cast<long>(k), v.end());
    return v[k];
}

// libpng's output callbacks: no C++ exception may cross libpng's C frames.
void append(png_structp png, png_bytep data, png_size_t n) {
    try {
        static_cast<std::string*>(png_get_io_ptr(png))->append(reinterpret_cast<char*>(data), n);
    } catch (...) {
        png_error(png, "out of memory");
    }
}
void no_flush(png_structp) {}  // a string needs none (libpng's default would fflush a FILE*)

}  // namespace

result<std::string> preview_png(const std::string& path, int hdu, const preview_options& o) {
    auto headers = fits::read_headers(path);
    if (!headers) return headers.err();
    if (hdu < 0 || hdu >= static_cast<int>(headers->size()) || !(*headers)[static_cast<std::size_t>(hdu)].image)
        return error(fmt::format("HDU {} is not an image", hdu));
    const auto& shape = (*headers)[static_cast<std::size_t>(hdu)].shape;
    if (shape.size() < 2) return error("a preview needs a 2-D image");
    const long side = std::max(shape[0], shape[1]), step = std::max<long>(1, (side + o.max_side - 1) / std::max(1, o.max_side));
    std::vector<long> first(shape.size(), 1), last(shape.size(), 1);
    last[0] = shape[0], last[1] = shape[1];
    auto px = fits::read_pixels(path, hdu, first, last, step);
    if (!px) return px.err();
    const long w = (shape[0] - 1) / step + 1, h = (shape[1] - 1) / step + 1;
    std::vector<double> finite;
    for (double v : *px)
        if (std::isfinite(v)) finite.push_back(v);
    double lo = 0, hi = 1;
    if (!finite.empty()) {
        if (o.stretch == stretch::zscale) std::tie(lo, hi) = zscale(finite);
        else lo = percentile(finite, 0.005), hi = percentile(finite, 0.995);
    }
    if (!(hi > lo)) hi = lo + 1;
    const double a = 10;  // asinh softening: linear near lo, logarithmic towards hi
    std::vector<png_byte> grey(static_cast<std::size_t>(w * h));
    for (long y = 0; y < h; ++y)
        for (long x = 0; x < w; ++x) {
            const double v = (*px)[static_cast<std::size_t>(y * w + x)];
            double t = std::isfinite(v) ? std::clamp((v - lo) / (hi - lo), 0.0, 1.0) : 0.0;
            if (o.stretch == stretch::asinh) t = std::asinh(a * t) / std::asinh(a);
            grey[static_cast<std::size_t>((h - 1 - y) * w + x)] = static_cast<png_byte>(std::lround(t * 255));  // FITS row 1 at the bottom
        }
    std::string out;
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
    png_infop info = png ? png_create_info_struct(png) : nullptr;
    if (!png || !info) {
        png_destroy_write_struct(&png, &info);
        return error("PNG: out of memory");
    }
    if (setjmp(png_jmpbuf(png))) {  // libpng's error path; nothing with a destructor lives between here and the writes
        png_destroy_write_struct(&png, &info);
        return error("PNG: writing the preview failed");
    }
    png_set_write_fn(png, &out, append, no_flush);
    png_set_IHDR(png, info, static_cast<png_uint_32>(w), static_cast<png_uint_32>(h), 8, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    for (long y = 0; y < h; ++y) png_write_row(png, grey.data() + y * w);
    png_write_end(png, nullptr);
    png_destroy_write_struct(&png, &info);
    return out;
}

}  // namespace dax::image
