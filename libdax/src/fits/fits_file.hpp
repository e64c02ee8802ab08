#pragma once
// The CFITSIO handle, private to the fits module: an RAII owner and the status check that turns
// every CFITSIO failure into a dax::error naming the call.
#include <dax/error.hpp>

#include <fitsio.h>

#include <cstdint>
#include <memory>
#include <string>

namespace dax::fits::detail {

/// Throws a dax::error "FITS: <what> failed: <CFITSIO's text>" unless status is 0.
void check(int status, const char* what);

struct file_closer {
    void operator()(fitsfile* f) const {
        int status = 0;
        fits_close_file(f, &status);
    }
};
using file_ptr = std::unique_ptr<fitsfile, file_closer>;

/// A new file at `path`, replacing any file there.
file_ptr create_file(const std::string& path);
/// An existing file, read-only; a missing or unreadable file is an error of kind not_found.
file_ptr open_file(const std::string& path);
/// A file opened for reading with plain POSIX calls (pread), closed on scope exit; a missing or
/// unreadable file is an error of kind not_found.
struct open_fd {
    explicit open_fd(const std::string& path);
    ~open_fd();
    open_fd(const open_fd&) = delete;
    open_fd& operator=(const open_fd&) = delete;
    int fd = -1;
    std::uint64_t size = 0;
};
/// Closes the file for good (CFITSIO fixes NAXIS2 and PCOUNT here), reporting a failure.
void close_file(file_ptr& f);

}  // namespace dax::fits::detail
