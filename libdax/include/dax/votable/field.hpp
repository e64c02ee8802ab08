#pragma once
/// Column metadata and cell values shared by every table writer and reader.
#include <dax/error.hpp>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace dax::votable {

/// VOTable 1.4 primitive datatypes (section 2.1).
enum class datatype {
    boolean, bit, unsigned_byte, short_, int_, long_, char_, unicode_char, float_, double_,
    float_complex, double_complex,
};

/// The VOTable name ("double", "unicodeChar", ...); nullopt for an unknown name.
std::optional<datatype> datatype_from_name(std::string_view name);
std::string_view datatype_name(datatype t);
/// Bytes of one element in BINARY/BINARY2 (bit: 0, packed separately).
int element_size(datatype t);

/// A parsed arraysize: dims in order, the last one possibly variable ("*" or "n*").
struct array_shape {
    std::vector<std::int64_t> dims;  ///< fixed sizes; for a variable last dim, its bound (0: none)
    bool variable = false;           ///< last dimension is variable
    bool scalar() const { return dims.empty() && !variable; }
    /// Elements per cell for a fixed shape; for a variable one, elements per unit of the last dim.
    std::int64_t fixed_elements() const;
};

/// Parses "", "3", "*", "10*", "3x*", "2x3". Throws dax::error on bad syntax.
array_shape parse_arraysize(std::string_view arraysize);

/// A LINK child of a FIELD.
struct link {
    std::string href;
    std::string content_role;
    std::string content_type;
    std::string title;
};

/// One column: everything a VOTable FIELD, a CSV header or a FITS column needs.
struct field {
    std::string name;
    datatype type = datatype::double_;
    std::string arraysize;     ///< "" for scalars
    std::string id;            ///< ID attribute (XML ID syntax); written only when set
    std::string unit, ucd, utype, xtype, description;
    std::optional<std::int64_t> null_value;  ///< VALUES null for integer columns
    std::vector<link> links;
};

/// One cell of a row. Writers read the member that matches the field's datatype: `i` for
/// boolean (0/1) and integer scalars, `d` (and `im`) for float/double (complex) scalars, `s` for
/// char/unicodeChar strings (UTF-8), and `data`+`count` for arrays of the field's native C type
/// (uint8_t for boolean ('T'/'F'/'?'), bit (0/1) and unsignedByte, int16_t, int32_t, int64_t,
/// float, double; complex arrays as interleaved real, imaginary pairs; count counts elements,
/// a complex number being one element).
struct cell {
    bool null = false;
    std::int64_t i = 0;
    double d = 0, im = 0;
    std::string_view s;
    const void* data = nullptr;
    std::size_t count = 0;

    static cell none() { cell c; c.null = true; return c; }
    static cell integer(std::int64_t v) { cell c; c.i = v; return c; }
    static cell boolean(bool v) { cell c; c.i = v ? 1 : 0; return c; }
    static cell real(double v) { cell c; c.d = v; return c; }
    static cell complex(double re, double imag) { cell c; c.d = re; c.im = imag; return c; }
    static cell text(std::string_view v) { cell c; c.s = v; return c; }
    template <class T>
    static cell array(std::span<const T> v) { cell c; c.data = v.data(); c.count = v.size(); return c; }
};

/// A field for a DALI xtype with its standard datatype and arraysize (DALI 1.1 section 3.3):
/// timestamp (char *), point (double 2), circle (double 3), polygon (double *), interval
/// (double 2), moc (char *).
field dali_field(std::string name, std::string_view xtype);

}  // namespace dax::votable
