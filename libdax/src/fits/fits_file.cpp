#include "fits_file.hpp"

#include <fmt/format.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace dax::fits::detail {

void check(int status, const char* what) {
    if (status == 0) return;
    char text[FLEN_STATUS];
    fits_get_errstatus(status, text);
    throw error(fmt::format("FITS: {} failed: {}", what, text));
}

file_ptr create_file(const std::string& path) {
    int status = 0;
    fitsfile* f = nullptr;
    // '!' replaces an existing file. The name is the caller's path, never a request's: CFITSIO
    // reads filters and URLs in file names.
    const std::string name = "!" + path;
    fits_create_file(&f, name.c_str(), &status);
    check(status, "creating the file");
    return file_ptr(f);
}

file_ptr open_file(const std::string& path) {
    int status = 0;
    fitsfile* f = nullptr;
    // The disk-file call: no extended file name syntax ([ext], filters, URLs) is read in `path`.
    fits_open_diskfile(&f, path.c_str(), READONLY, &status);
    if (status) {
        char text[FLEN_STATUS];
        fits_get_errstatus(status, text);
        throw error(error_kind::not_found, fmt::format("FITS: cannot open {}: {}", path, text));
    }
    return file_ptr(f);
}

open_fd::open_fd(const std::string& path) {
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    struct stat st {};
    if (fd < 0 || ::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        if (fd >= 0) ::close(fd);
        throw error(error_kind::not_found, fmt::format("FITS: cannot open {}", path));
    }
    size = static_cast<std::uint64_t>(st.st_size);
}

open_fd::~open_fd() { ::close(fd); }

void close_file(file_ptr& f) {
    int status = 0;
    fits_close_file(f.release(), &status);
    check(status, "closing the file");
}

}  // namespace dax::fits::detail
