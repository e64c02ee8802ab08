#include "batch_read.hpp"

#include <dax/error.hpp>

#include <algorithm>
#include <cerrno>
#include <unistd.h>

#ifdef DAX_HAVE_LIBURING
#include <liburing.h>
#endif

namespace dax::fits::detail {

namespace {

void pread_whole(int fd, unsigned char* p, std::size_t n, std::uint64_t off) {
    while (n) {
        const ssize_t got = ::pread(fd, p, n, static_cast<off_t>(off));
        if (got < 0 && errno == EINTR) continue;
        // pread, not mmap: a file truncated meanwhile gives an error, not SIGBUS.
        if (got <= 0) throw error("FITS: the file is shorter than its header says");
        p += got, n -= static_cast<std::size_t>(got), off += static_cast<std::uint64_t>(got);
    }
}

#ifdef DAX_HAVE_LIBURING
// One ring per thread, made on first use; none (pread) if the kernel refuses it.
class ring {
public:
    static constexpr unsigned depth = 256;
    ring() { ok_ = io_uring_queue_init(depth, &r_, 0) == 0; }
    ~ring() {
        if (ok_) io_uring_queue_exit(&r_);
    }
    bool ok() const { return ok_; }
    // Up to `depth` pieces; false when the ring failed (it is then given up: pread from now on).
    // A piece read short (io_uring allows it) is finished with pread.
    bool read(int fd, std::span<const read_piece> pieces) {
        for (std::size_t i = 0; i < pieces.size(); ++i) {
            io_uring_sqe* s = io_uring_get_sqe(&r_);
            io_uring_prep_read(s, fd, pieces[i].dst, static_cast<unsigned>(pieces[i].size), pieces[i].offset);
            io_uring_sqe_set_data64(s, i);
        }
        int st = io_uring_submit_and_wait(&r_, static_cast<unsigned>(pieces.size()));
        while (st == -EINTR) st = io_uring_submit_and_wait(&r_, static_cast<unsigned>(pieces.size()));
        if (st < 0) {  // the reads may not have run: give the ring up (closing it ends them)
            io_uring_queue_exit(&r_);
            ok_ = false;
            return false;
        }
        bool shorter = false;
        for (std::size_t done = 0; done < pieces.size(); ++done) {
            io_uring_cqe* c = nullptr;
            int w = io_uring_wait_cqe(&r_, &c);
            while (w == -EINTR) w = io_uring_wait_cqe(&r_, &c);
            if (w != 0) {
                io_uring_queue_exit(&r_);
                ok_ = false;
                return false;
            }
            const auto& p = pieces[io_uring_cqe_get_data64(c)];
            const int res = c->res;
            io_uring_cqe_seen(&r_, c);
            if (res < 0 && res != -EAGAIN && res != -EINTR) {
                shorter = true;
                continue;
            }
            const auto got = static_cast<std::size_t>(std::max(res, 0));
            if (got >= p.size) continue;
            try {
                pread_whole(fd, p.dst + got, p.size - got, p.offset + got);
            } catch (const error&) {
                shorter = true;  // thrown after every completion is collected
            }
        }
        if (shorter) throw error("FITS: the file is shorter than its header says");
        return true;
    }

private:
    io_uring r_{};
    bool ok_ = false;
};
#endif

}  // namespace

void read_pieces(int fd, std::span<const read_piece> pieces) {
#ifdef DAX_HAVE_LIBURING
    if (pieces.size() > 1) {
        thread_local ring r;
        if (r.ok()) {
            std::size_t at = 0;
            while (at < pieces.size() && r.read(fd, pieces.subspan(at, std::min<std::size_t>(ring::depth, pieces.size() - at))))
                at += ring::depth;
            if (at >= pieces.size()) return;
            pieces = pieces.subspan(at);  // the ring failed: the rest with pread
        }
    }
#endif
    for (const auto& p : pieces) pread_whole(fd, p.dst, p.size, p.offset);
}

}  // namespace dax::fits::detail
