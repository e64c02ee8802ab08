#pragma once
/// Writing a cutout of a FITS file (SODA 1.0): the same box of pixels from every image HDU on the
/// science HDU's pixel grid (image, mask and variance stay aligned), as a new FITS file streamed
/// to a sink. Only the tiles / rows the box needs are read; memory holds the cutout, not the image.
#include <dax/error.hpp>
#include <dax/sink.hpp>

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace dax::fits {

struct cutout_spec {
    int science_hdu = 0;         ///< the HDU the box was computed on (0: primary)
    std::vector<long> first, last;  ///< the box, 1-based and inclusive, one pair per axis
    /// Cards added to every cut HDU (provenance), as keyword -> string value (long values use
    /// the CONTINUE convention).
    std::vector<std::pair<std::string, std::string>> provenance;
    /// More cards for every cut HDU, 80 characters each (see dax/fits/image_writer.hpp card()).
    /// A keyword given here or in `provenance` replaces the input's card of that name.
    std::string cards;
};

/// Writes the cutout of `path` to `out` and returns its size in bytes. The primary header is
/// kept (with NEXTEND fixed); every image HDU whose NAXISn equal the science HDU's is cut with
/// the box (other HDUs, such as tables, are left out). In each cut HDU: NAXISn, CRPIXn and
/// every alternate CRPIXna shifted by the box's origin (SIP and other distortion coefficients are
/// relative to CRPIX and stay), LTV1/LTV2 shifted (added when absent: -(first - 1)), EXTNAME and
/// EXTVER kept, pixels copied in their stored type with BSCALE/BZERO/BLANK kept, DATASUM and
/// CHECKSUM written. A tile-compressed HDU becomes an uncompressed image (its Z* and table
/// keywords dropped). Errors (not FITS, a box outside the image) are thrown before any output.
std::uint64_t write_cutout(const std::string& path, const cutout_spec& spec, dax::sink& out);

/// One frame of a film strip: a file and its cutout.
struct strip_frame {
    std::string path;
    cutout_spec spec;
};

/// A film strip (seed 000): an empty primary HDU (NEXTEND), then each frame's science HDU cut
/// by its box as one IMAGE extension, in the order given. Every frame is read before anything
/// is written; `cancelled` (if given) is asked before each frame and stops with an error.
std::uint64_t write_film_strip(std::span<const strip_frame> frames, dax::sink& out, const std::function<bool()>& cancelled = {});

}  // namespace dax::fits
