#pragma once
/// Rows kept aside in a temporary file and read back in order: for writers that can only start
/// once every row is known (FITS needs each string column's width in its header).
#include <dax/votable/field.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <span>

namespace dax::votable {

class row_spool {
public:
    /// An empty spool for rows of `fields` (an anonymous temporary file; throws dax::error).
    explicit row_spool(std::span<const field> fields);
    ~row_spool();
    row_spool(const row_spool&) = delete;
    row_spool& operator=(const row_spool&) = delete;

    /// Appends one row: exactly one cell per field.
    void write(std::span<const cell> cells);
    /// Calls `row` with every row written, in order (the cells live until the next call).
    void replay(const std::function<void(std::span<const cell>)>& row);
    std::uint64_t rows() const;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace dax::votable
