// FITS headers and image pixels through CFITSIO (FITS 4.0 sections 4 and 7.1).
#include <dax/fits/image.hpp>

#include "fits_file.hpp"

#include <fmt/format.h>

#include <cmath>
#include <filesystem>
#include <cstdlib>
#include <limits>

namespace dax::fits {

namespace {

using detail::check;

// The keywords and header text of the current HDU.
void read_cards(fitsfile* f, hdu& h) {
    int status = 0, n = 0, more = 0;
    fits_get_hdrspace(f, &n, &more, &status);
    check(status, "reading the header size");
    h.cards = n;
    h.header.reserve(static_cast<std::size_t>(n) * 80);
    char card[FLEN_CARD], name[FLEN_KEYWORD], value[FLEN_VALUE], comment[FLEN_COMMENT];
    for (int i = 1; i <= n; ++i) {
        fits_read_record(f, i, card, &status);
        check(status, "reading a header card");
        std::string c(card);
        c.resize(80, ' ');
        h.header += c;
        int len = 0;
        if (fits_get_keyname(card, name, &len, &status) || len == 0) {
            status = 0;
            continue;
        }
        if (fits_parse_value(card, value, comment, &status)) {
            status = 0;  // a card without a value (COMMENT, HISTORY, ...)
            continue;
        }
        h.keywords.emplace_back(name, value);
    }
}

hdu read_hdu(fitsfile* f, int index) {
    hdu h;
    h.index = index;
    int status = 0, type = 0;
    fits_get_hdu_type(f, &type, &status);
    check(status, "reading the HDU type");
    read_cards(f, h);
    if (auto e = h.text("EXTNAME")) h.extname = *e;
    if (type == IMAGE_HDU) {
        int naxis = 0;
        fits_get_img_param(f, 0, &h.bitpix, &naxis, nullptr, &status);
        check(status, "reading the image size");
        h.shape.resize(static_cast<std::size_t>(naxis));
        if (naxis > 0) fits_get_img_param(f, naxis, &h.bitpix, &naxis, h.shape.data(), &status);
        check(status, "reading the image size");
        h.image = naxis > 0;
        // A header may claim any size: one that overflows 64 bits is not an image.
        unsigned long long bytes = static_cast<unsigned long long>(std::abs(h.bitpix) / 8);
        for (long a : h.shape)
            if (a < 0 || __builtin_mul_overflow(bytes, static_cast<unsigned long long>(a), &bytes))
                throw error(fmt::format("HDU {}: NAXISn claim more than 2^64 bytes", index));
    }
    return h;
}

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
        auto f = detail::open_file(path);
        int count = 0, status = 0;
        fits_get_num_hdus(f.get(), &count, &status);
        check(status, "counting the HDUs");
        std::error_code ec;
        const auto size = static_cast<long long>(std::filesystem::file_size(path, ec));
        std::vector<hdu> out;
        for (int i = 1; i <= count; ++i) {
            int type = 0;
            fits_movabs_hdu(f.get(), i, &type, &status);
            check(status, "moving to an HDU");
            out.push_back(read_hdu(f.get(), i - 1));
            // A file cut short keeps whole headers: its size must hold every HDU's data.
            LONGLONG head = 0, data = 0, end = 0;
            fits_get_hduaddrll(f.get(), &head, &data, &end, &status);
            check(status, "reading the HDU's size");
            if (!ec && end > size)
                throw error(fmt::format("the file is truncated: HDU {} ends at byte {}, the file has {}", i - 1, end, size));
        }
        return out;
    });
}

result<std::vector<double>> read_pixels(const std::string& path, int index, std::span<const long> first,
                                        std::span<const long> last) {
    return capture([&] {
        auto f = detail::open_file(path);
        int status = 0, type = 0;
        fits_movabs_hdu(f.get(), index + 1, &type, &status);
        if (status) throw error(error_kind::not_found, fmt::format("{} has no HDU {}", path, index));
        const hdu h = read_hdu(f.get(), index);
        if (!h.image) throw error(fmt::format("HDU {} of {} is not an image", index, path));
        if (first.size() != h.shape.size() || last.size() != h.shape.size())
            throw error(fmt::format("the image has {} axes, the box {}", h.shape.size(), first.size()));
        std::size_t n = 1;
        for (std::size_t a = 0; a < h.shape.size(); ++a) {
            if (first[a] < 1 || last[a] > h.shape[a] || first[a] > last[a])
                throw error(fmt::format("axis {}: pixels {}..{} are outside 1..{}", a + 1, first[a], last[a], h.shape[a]));
            n *= static_cast<std::size_t>(last[a] - first[a] + 1);
        }
        std::vector<double> pixels(n);
        std::vector<long> lo(first.begin(), first.end()), hi(last.begin(), last.end()), step(first.size(), 1);
        double nan = std::numeric_limits<double>::quiet_NaN();
        int any_null = 0;
        fits_read_subset(f.get(), TDOUBLE, lo.data(), hi.data(), step.data(), &nan, pixels.data(), &any_null, &status);
        check(status, "reading pixels");
        return pixels;
    });
}

}  // namespace dax::fits
