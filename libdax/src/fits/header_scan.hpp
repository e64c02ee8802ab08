#pragma once
// FITS headers read directly (FITS 4.0 sections 3-4, 7 and the tiled-image convention, section
// 10): where each HDU's header and data are, its cards, and its image shape. No CFITSIO: opening a
// file through CFITSIO costs more than a whole small cutout, and a cutout needs only this. CFITSIO
// stays for what it does best (decompressing tiles, writing tables).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace dax::fits::detail {

/// The keyword and raw value of one 80-character card: a string value keeps its quotes (doubled
/// quotes inside as written), other values are trimmed, the comment is dropped. `has_value` is
/// false for commentary cards (no "= " in columns 9-10). A HIERARCH card's keyword is the words
/// after HIERARCH, up to "=".
struct card_kv {
    std::string_view key, value, comment;
    bool has_value = false;
};
card_kv parse_card(std::string_view card);

/// A numeric value as FITS writes it (Fortran 'D' exponents too); false when it is not one.
bool parse_number(std::string_view value, double& out);

struct scanned_hdu {
    std::uint64_t header_at = 0, data_at = 0, data_bytes = 0;  ///< data_bytes without the padding
    std::string cards;   ///< every card, 80 characters each, without END
    bool image = false;  ///< pixels: a primary or IMAGE HDU with NAXIS > 0, or a tile-compressed image
    bool compressed = false;  ///< a tile-compressed image (a BINTABLE with ZIMAGE = T)
    int bitpix = 0;           ///< of the pixels (ZBITPIX when compressed)
    std::vector<long> shape;  ///< NAXISn of the pixels (ZNAXISn when compressed)
};

/// Every HDU of the open file `fd` (of `size` bytes). Throws a usage error when the file is not
/// FITS or a header is malformed, and "... is truncated ..." when an HDU's data run past the end.
/// Bytes after the last HDU that do not start an extension are ignored, as CFITSIO does.
std::vector<scanned_hdu> scan_hdus(int fd, std::uint64_t size);

}  // namespace dax::fits::detail
