#pragma once
// Decodes BINARY / BINARY2 cells into `cell`s with owned storage: the reader's stream decoder
// and the FITS writer's spool reader.
#include "cell_codec.hpp"

#include <string>
#include <vector>

namespace dax::votable::detail {

/// Storage for the decoded cells of one row.
struct cell_storage {
    std::vector<std::string> text;                  // per column
    std::vector<std::vector<unsigned char>> array;  // per column, native element type
};

/// True if a fixed-size integer array holds only the column's declared null value (VOTable
/// has no null of its own for integer arrays: such an array reads as a null cell).
bool all_null(const field_plan& pl, const std::vector<unsigned char>& a, size_t n);

/// Decodes one row starting at `p` (at most `end`); returns the position after it, or nullptr
/// if the data ends inside the row (more bytes are needed). Throws dax::error on impossible
/// data (a negative count, a count beyond the arraysize bound or `max_cell_bytes`).
const unsigned char* decode_binary_row(const unsigned char* p, const unsigned char* end,
                                       const std::vector<field_plan>& plans, bool binary2,
                                       std::vector<cell>& cells, cell_storage& store, std::size_t max_cell_bytes);

}  // namespace dax::votable::detail
