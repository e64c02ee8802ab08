#pragma once
/// Reading FITS images: every HDU's header (for ObsCore metadata and WCS) and the pixels of a
/// box of an image (for cutouts). CFITSIO stays inside libdax.
#include <dax/error.hpp>

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dax::fits {

/// One HDU of a FITS file, as its header describes it.
struct hdu {
    int index = 0;            // 0: the primary HDU
    std::string extname;      // EXTNAME, empty if none
    bool image = false;       // an image (primary or IMAGE extension) with pixels
    int bitpix = 0;
    std::vector<long> shape;  // NAXIS1, NAXIS2, ...: empty when there are no pixels
    /// Every card, 80 characters each, without END: what WCSLIB's wcspih() reads.
    std::string header;
    int cards = 0;
    /// Keyword names and their raw values (as written after "= ", comments removed).
    std::vector<std::pair<std::string, std::string>> keywords;

    /// A keyword's value: a string without its quotes, or the raw value; nothing if absent.
    std::optional<std::string> text(std::string_view name) const;
    /// A numeric keyword's value (FITS 'D' exponents read); nothing if absent or not a number.
    std::optional<double> number(std::string_view name) const;
};

/// Every HDU's header; no pixels are read. A missing file is a not_found error, a file that
/// is not FITS a usage error.
result<std::vector<hdu>> read_headers(const std::string& path);

/// The pixels of image HDU `index` in the box from `first` to `last` (1-based and inclusive,
/// one pair per axis) as doubles, axis 1 fastest; BSCALE/BZERO applied, BLANK pixels NaN.
/// `step_xy` > 1 reads every step-th pixel along axes 1 and 2 only ((last - first) / step + 1 of
/// them per axis): a preview without reading the whole image into memory.
result<std::vector<double>> read_pixels(const std::string& path, int index, std::span<const long> first,
                                        std::span<const long> last, long step_xy = 1);

}  // namespace dax::fits
