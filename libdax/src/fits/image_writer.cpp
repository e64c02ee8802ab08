// FITS image files through CFITSIO (FITS 4.0 sections 3.3, 4 and 7.1; tile compression as in the
// registered convention, FITS 4.0 section 10).
#include <dax/fits/image_writer.hpp>

#include "fits_file.hpp"

#include <fmt/format.h>

#include <cmath>
#include <filesystem>
#include <unistd.h>

namespace dax::fits {

namespace {

using detail::check;

std::string padded(std::string s) {
    if (s.size() > 80) s.resize(80);
    s.resize(80, ' ');
    return s;
}

// A keyword of at most 8 characters (FITS 4.0 section 4.1.2.1; longer ones need HIERARCH).
std::string_view checked(std::string_view keyword) {
    if (keyword.empty() || keyword.size() > 8) throw error(fmt::format("FITS: keyword '{}' is not 1 to 8 characters", keyword));
    return keyword;
}

std::string with_value(std::string_view keyword, const std::string& value, std::string_view comment) {
    checked(keyword);
    std::string c = fmt::format("{:<8}= {:>20}", keyword.substr(0, 8), value);
    if (!comment.empty()) c += fmt::format(" / {}", comment);
    return padded(std::move(c));
}

void write_hdu(fitsfile* f, const image_hdu& h) {
    int status = 0;
    if (h.rice) {
        fits_set_compression_type(f, RICE_1, &status);
        // Floats are quantized before compression; a fixed dither seed keeps files reproducible.
        fits_set_quantize_level(f, 16.0f, &status);
        fits_set_dither_seed(f, 1, &status);
        check(status, "setting the compression");
    }
    const int bitpix = h.bitpix == 16 ? SHORT_IMG : h.bitpix == 32 ? LONG_IMG : FLOAT_IMG;
    std::vector<long> shape = h.shape;
    fits_create_img(f, bitpix, static_cast<int>(shape.size()), shape.empty() ? nullptr : shape.data(), &status);
    check(status, "creating an image HDU");
    if (h.rice) {
        fits_set_compression_type(f, NOCOMPRESS, &status);  // for the HDUs after this one
        check(status, "resetting the compression");
    }
    if (h.cards.size() % 80 != 0) throw error(fmt::format("header cards of {} characters: not whole cards", h.cards.size()));
    for (std::size_t i = 0; i < h.cards.size(); i += 80) {
        const std::string c = h.cards.substr(i, 80);
        fits_write_record(f, c.c_str(), &status);
        check(status, "writing a header card");
    }
    std::size_t n = shape.empty() ? 0 : 1;
    for (long a : shape) n *= static_cast<std::size_t>(a);
    if (n != h.pixels.size()) throw error(fmt::format("an image of {} pixels given {} values", n, h.pixels.size()));
    if (n) {
        fits_write_img(f, TFLOAT, 1, static_cast<LONGLONG>(n), const_cast<float*>(h.pixels.data()), &status);
        check(status, "writing pixels");
    }
}

}  // namespace

std::string card(std::string_view keyword, std::string_view text, std::string_view comment) {
    std::string q = "'";
    for (char c : text) q += c == '\'' ? std::string("''") : std::string(1, c);
    while (q.size() < 9) q += ' ';  // a string value has at least 8 characters (section 4.2.1.1)
    q += '\'';
    if (q.size() > 70) throw error(fmt::format("FITS: the value of {} is longer than one card holds", checked(keyword)));
    std::string c = fmt::format("{:<8}= {:<20}", checked(keyword), q);
    if (!comment.empty()) c += fmt::format(" / {}", comment);
    return padded(std::move(c));
}
std::string card(std::string_view keyword, const char* text, std::string_view comment) {
    return card(keyword, std::string_view(text), comment);
}
std::string card(std::string_view keyword, double value, std::string_view comment) {
    if (!std::isfinite(value)) throw error(fmt::format("FITS: {} = {} has no FITS form", checked(keyword), value));
    std::string v = fmt::format("{:.17G}", value);
    if (v.find_first_of(".EN") == std::string::npos) v += ".0";  // stays a real number
    return with_value(keyword, v, comment);
}
std::string card(std::string_view keyword, long long value, std::string_view comment) {
    return with_value(keyword, std::to_string(value), comment);
}
std::string card(std::string_view keyword, int value, std::string_view comment) {
    return card(keyword, static_cast<long long>(value), comment);
}
std::string card(std::string_view keyword, bool value, std::string_view comment) {
    return with_value(keyword, value ? "T" : "F", comment);
}

result<std::uint64_t> write_image_file(const std::string& path, std::span<const image_hdu> hdus) {
    const std::string temp = fmt::format("{}.{}.part", path, ::getpid());
    auto r = capture([&] {
        auto f = detail::create_file(temp);
        for (const auto& h : hdus) write_hdu(f.get(), h);
        detail::close_file(f);
        std::error_code ec;
        std::filesystem::rename(temp, path, ec);
        if (ec) throw error(fmt::format("FITS: cannot write {}: {}", path, ec.message()));
        return static_cast<std::uint64_t>(std::filesystem::file_size(path, ec));
    });
    if (!r) {
        std::error_code ec;
        std::filesystem::remove(temp, ec);
    }
    return r;
}

}  // namespace dax::fits
