#pragma once
// Many small reads of one file at once. A cutout reads one piece per row of its box (200 rows
// for a 200 x 200 cutout): on a virtual machine each pread costs 1.5-4 us, more than the copy.
// One io_uring submission (liburing, Linux 5.1+) does them all in one system call; where the
// kernel or a seccomp profile refuses io_uring, or liburing is absent at build time, pread.
#include <cstddef>
#include <cstdint>
#include <span>

namespace dax::fits::detail {

struct read_piece {
    unsigned char* dst;
    std::size_t size;
    std::uint64_t offset;
};

/// Reads every piece whole; throws dax::error "FITS: the file is shorter than its header says"
/// when one runs past the end of the file.
void read_pieces(int fd, std::span<const read_piece> pieces);

}  // namespace dax::fits::detail
