#pragma once
// A write buffer in front of a sink: writers append small pieces, the sink sees large blocks.
#include <dax/votable/writer.hpp>

#include <charconv>
#include <cstring>
#include <string_view>
#include <vector>

namespace dax::votable::detail {

class output_buffer {
public:
    explicit output_buffer(sink& s, std::size_t capacity = 1 << 16) : sink_(s), buf_(capacity) {}
    ~output_buffer() = default;

    void put(char c) {
        if (n_ == buf_.size()) drain();
        buf_[n_++] = c;
    }
    void put(std::string_view s) {
        if (s.size() > buf_.size() - n_) {
            drain();
            if (s.size() > buf_.size()) {
                sink_.write(s.data(), s.size());
                return;
            }
        }
        std::memcpy(buf_.data() + n_, s.data(), s.size());
        n_ += s.size();
    }
    /// Space for at least `k` bytes at the end of the buffer (k <= capacity).
    char* reserve(std::size_t k) {
        if (buf_.size() - n_ < k) drain();
        return buf_.data() + n_;
    }
    void commit(std::size_t k) { n_ += k; }
    template <class T>
    void number(T v) {
        char* p = reserve(32);
        auto r = std::to_chars(p, p + 32, v);
        commit(static_cast<std::size_t>(r.ptr - p));
    }
    void drain() {
        if (n_) sink_.write(buf_.data(), n_);
        n_ = 0;
    }
    void flush() {
        drain();
        sink_.flush();
    }
    std::size_t capacity() const { return buf_.size(); }

private:
    sink& sink_;
    std::vector<char> buf_;
    std::size_t n_ = 0;
};

}  // namespace dax::votable::detail
