#pragma once
/// Writing FITS image files: a primary HDU and image extensions, plain or tile-compressed, with
/// the caller's header cards (WCS, dates, provenance). The file appears whole or not at all.
#include <dax/error.hpp>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace dax::fits {

/// One header card, 80 characters: `KEYWORD = value / comment` (FITS 4.0 section 4.1). A string
/// value is quoted (quotes doubled), a number written with full precision. Throws dax::error for
/// a keyword longer than 8 characters, a string longer than one card holds, NaN or infinity.
std::string card(std::string_view keyword, std::string_view text, std::string_view comment = {});
std::string card(std::string_view keyword, const char* text, std::string_view comment = {});
std::string card(std::string_view keyword, double value, std::string_view comment = {});
std::string card(std::string_view keyword, long long value, std::string_view comment = {});
std::string card(std::string_view keyword, int value, std::string_view comment = {});
std::string card(std::string_view keyword, bool value, std::string_view comment = {});

/// One image HDU to write.
struct image_hdu {
    std::vector<long> shape;    ///< NAXIS1, NAXIS2, ...; empty: no data (a primary header only)
    std::vector<float> pixels;  ///< axis 1 fastest; as many as the shape holds
    int bitpix = -32;           ///< -32 (float), 16 or 32 (integers: pixels are rounded)
    std::string cards;          ///< extra header cards, 80 characters each (see card())
    bool rice = false;          ///< tile-compressed with RICE_1 (floats quantized, dither seed fixed)
};

/// Writes `hdus` as one FITS file at `path` (the first is the primary HDU; a compressed first
/// HDU gets an empty primary before it), through a temporary file renamed into place; the
/// file's size in bytes.
result<std::uint64_t> write_image_file(const std::string& path, std::span<const image_hdu> hdus);

}  // namespace dax::fits
