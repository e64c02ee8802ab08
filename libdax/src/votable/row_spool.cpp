// Rows are spooled in the BINARY2 encoding (a null mask, then each cell), which keeps every
// datatype exactly and decodes with the VOTable reader's own decoder.
#include <dax/votable/row_spool.hpp>

#include <dax/error.hpp>

#include "binary_decoder.hpp"
#include "cell_codec.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <cstdint>
#include <string>
#include <vector>

namespace dax::votable {

struct row_spool::impl {
    std::vector<detail::field_plan> plans;
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> file{nullptr, std::fclose};
    std::string row;
    std::uint64_t rows = 0;
};

row_spool::row_spool(std::span<const field> fields) : impl_(std::make_unique<impl>()) {
    for (const auto& f : fields) impl_->plans.push_back(detail::plan_for(f));
    impl_->file.reset(std::tmpfile());
    if (!impl_->file) throw error(error_kind::internal, "cannot create a temporary spool file");
}

row_spool::~row_spool() = default;

void row_spool::write(std::span<const cell> cells) {
    auto& s = *impl_;
    if (cells.size() != s.plans.size())
        throw error(fmt::format("a row has {} cells for {} columns", cells.size(), s.plans.size()));
    s.row.assign((cells.size() + 7) / 8, '\0');
    for (std::size_t i = 0; i < cells.size(); ++i) {
        if (cells[i].null) s.row[i / 8] = static_cast<char>(s.row[i / 8] | (0x80 >> (i % 8)));
        detail::binary_cell(s.row, s.plans[i], cells[i]);
    }
    if (std::fwrite(s.row.data(), 1, s.row.size(), s.file.get()) != s.row.size())
        throw error(error_kind::internal, "cannot write the temporary spool file");
    ++s.rows;
}

void row_spool::replay(const std::function<void(std::span<const cell>)>& row) {
    auto& s = *impl_;
    std::FILE* f = s.file.get();
    if (std::fflush(f) != 0 || std::fseek(f, 0, SEEK_SET) != 0) throw error(error_kind::internal, "cannot read back the spool file");
    std::vector<unsigned char> buf;
    std::size_t start = 0;
    std::vector<cell> cells;
    detail::cell_storage store;
    std::vector<unsigned char> chunk(1 << 16);
    bool eof = false;
    for (std::uint64_t done = 0; done < s.rows;) {
        const unsigned char* next =
            detail::decode_binary_row(buf.data() + start, buf.data() + buf.size(), s.plans, true, cells, store, SIZE_MAX);
        if (!next) {
            if (eof) throw error(error_kind::internal, "the spool file ends inside a row");
            buf.erase(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(start));
            start = 0;
            const std::size_t n = std::fread(chunk.data(), 1, chunk.size(), f);
            if (n == 0) eof = true;
            buf.insert(buf.end(), chunk.begin(), chunk.begin() + static_cast<std::ptrdiff_t>(n));
            continue;
        }
        start = static_cast<std::size_t>(next - buf.data());
        row(cells);
        ++done;
    }
}

std::uint64_t row_spool::rows() const { return impl_->rows; }

}  // namespace dax::votable
