// FITS headers (read directly: header_scan.hpp) and image pixels through CFITSIO (FITS 4.0
// sections 4 and 7.1).
#include <dax/fits/image.hpp>

#include "fits_file.hpp"
#include "header_scan.hpp"

#include <fmt/format.h>

#include <cmath>
#include <filesystem>
#include <cstdlib>
#include <limits>

namespace dax::fits {

namespace {

using detail::check;

}  // namespace

std::optional<std::string> hdu::text(std::string_view name) const {
    for (const auto& [k, v] : keywords) {
        if (k != name) continue;
        if (v.size() >= 2 && v.front() == '\'') {
            // A FITS string: quotes doubled inside, trailing blanks not significant (section 4.2.1).
            std::string s;
            for (std::size_t i = 1; i + 1 < v.size(); ++i) {
                s += v[i];
                if (v[i] == '\'' && v[i + 1] == '\'') ++i;
            }
            while (!s.empty() && s.back() == ' ') s.pop_back();
            return s;
        }
        return v;
    }
    return std::nullopt;
}

std::optional<double> hdu::number(std::string_view name) const {
    auto v = text(name);
    if (!v || v->empty()) return std::nullopt;
    for (char& c : *v)
        if (c == 'D' || c == 'd') c = 'E';  // Fortran double exponents
    char* end = nullptr;
    const double d = std::strtod(v->c_str(), &end);
    while (end && *end == ' ') ++end;
    if (!end || *end != '\0') return std::nullopt;
    return d;
}

result<std::vector<hdu>> read_headers(const std::string& path) {
    return capture([&] {
        const detail::open_fd fd(path);
        std::vector<hdu> out;
        for (auto& s : detail::scan_hdus(fd.fd, fd.size)) {
            hdu h;
            h.index = static_cast<int>(out.size());
            h.image = s.image;
            h.bitpix = s.bitpix;
            h.shape = std::move(s.shape);
            h.header = std::move(s.cards);
            h.cards = static_cast<int>(h.header.size() / 80);
            for (std::size_t c = 0; c < h.header.size(); c += 80) {
                const auto kv = detail::parse_card(std::string_view(h.header).substr(c, 80));
                if (!kv.key.empty()) h.keywords.emplace_back(kv.key, kv.has_value ? kv.value : std::string_view());
            }
            if (auto e = h.text("EXTNAME")) h.extname = *e;
            out.push_back(std::move(h));
        }
        return out;
    });
}

result<std::vector<double>> read_pixels(const std::string& path, int index, std::span<const long> first,
                                        std::span<const long> last, long step_xy) {
    return capture([&] {
        auto f = detail::open_file(path);
        int status = 0, type = 0;
        fits_movabs_hdu(f.get(), index + 1, &type, &status);
        if (status) throw error(error_kind::not_found, fmt::format("{} has no HDU {}", path, index));
        hdu h;
        int naxis = 0;
        fits_get_hdu_type(f.get(), &type, &status);
        if (type == IMAGE_HDU) fits_get_img_dim(f.get(), &naxis, &status);
        check(status, "reading the image size");
        if (naxis < 1) throw error(fmt::format("HDU {} of {} is not an image", index, path));
        h.shape.resize(static_cast<std::size_t>(naxis));
        fits_get_img_size(f.get(), naxis, h.shape.data(), &status);
        check(status, "reading the image size");
        if (first.size() != h.shape.size() || last.size() != h.shape.size())
            throw error(fmt::format("the image has {} axes, the box {}", h.shape.size(), first.size()));
        if (step_xy < 1) throw error("the sampling step must be at least 1");
        std::size_t n = 1;
        std::vector<long> step(first.size(), 1);
        for (std::size_t a = 0; a < h.shape.size(); ++a) {
            if (first[a] < 1 || last[a] > h.shape[a] || first[a] > last[a])
                throw error(fmt::format("axis {}: pixels {}..{} are outside 1..{}", a + 1, first[a], last[a], h.shape[a]));
            if (a < 2) step[a] = step_xy;
            n *= static_cast<std::size_t>((last[a] - first[a]) / step[a] + 1);
        }
        std::vector<double> pixels(n);
        std::vector<long> lo(first.begin(), first.end()), hi(last.begin(), last.end());
        double nan = std::numeric_limits<double>::quiet_NaN();
        int any_null = 0;
        fits_read_subset(f.get(), TDOUBLE, lo.data(), hi.data(), step.data(), &nan, pixels.data(), &any_null, &status);
        check(status, "reading pixels");
        return pixels;
    });
}

}  // namespace dax::fits
