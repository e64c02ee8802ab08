// libFuzzer target: FITS files as libdax reads them for SODA cutouts and ingestion — the header
// scanner (dax::fits::read_headers: cards, HIERARCH, CONTINUE, sizes, truncation) and the cutout
// writer (headers copied with shifted WCS, rows read, checksums) on a small box of the first
// uncompressed image. Errors (dax::error) are expected outcomes; a crash, sanitizer report, leak,
// hang or other exception is a finding. Tile-compressed images are not cut here: their pixels go
// through CFITSIO, a third-party decoder this target does not fuzz.
#include <dax/fits/cutout.hpp>
#include <dax/fits/image.hpp>
#include <dax/sink.hpp>

#include <cstdint>
#include <cstdio>
#include <string>
#include <sys/mman.h>
#include <unistd.h>

namespace {

// The input as a file: a memory file, named through /proc (no disk, no leftovers).
struct memory_file {
    int fd = -1;
    std::string path;
    memory_file(const std::uint8_t* data, std::size_t size) {
        fd = ::memfd_create("fits_fuzz", MFD_CLOEXEC);
        if (fd < 0) return;
        for (std::size_t at = 0; at < size;) {
            const ssize_t n = ::write(fd, data + at, size - at);
            if (n <= 0) break;
            at += static_cast<std::size_t>(n);
        }
        path = "/proc/self/fd/" + std::to_string(fd);
    }
    ~memory_file() {
        if (fd >= 0) ::close(fd);
    }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    memory_file f(data, size);
    if (f.path.empty()) return 0;
    auto headers = dax::fits::read_headers(f.path);
    if (!headers) {
        (void)headers.err().what();
        return 0;
    }
    for (const auto& h : *headers) {
        if (!h.image || h.shape.size() < 2 || h.text("ZIMAGE") == "T") continue;
        bool compressed_twin = false;  // the cutout also cuts HDUs of the same shape: none compressed
        for (const auto& o : *headers) compressed_twin = compressed_twin || (o.shape == h.shape && o.text("ZIMAGE") == "T");
        if (compressed_twin) return 0;
        dax::fits::cutout_spec spec;
        spec.science_hdu = h.index;
        for (long n : h.shape) {
            spec.first.push_back(n > 2 ? 2 : 1);
            spec.last.push_back(n > 4 ? 4 : n);
        }
        spec.provenance = {{"DAXSRCID", "fuzz"}, {"DAXREGN", std::string(300, 'x')}};
        dax::string_sink out;
        try {
            dax::fits::write_cutout(f.path, spec, out);
        } catch (const dax::error& e) {
            (void)e.what();
        }
        break;
    }
    return 0;
}
