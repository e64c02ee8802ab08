// Felis YAML -> memory_catalog (https://felis.lsst.io: schema with tables and columns).
#include <dax/adql/felis.hpp>

#include <fmt/format.h>

#include <map>
#include <yaml-cpp/yaml.h>

namespace dax::adql {

namespace {

std::string str(const YAML::Node& n, const char* key) {
    const YAML::Node v = n[key];
    if (!v || v.IsNull()) return {};
    return v.as<std::string>();
}

int integer(const YAML::Node& n, const char* key) {
    const YAML::Node v = n[key];
    if (!v || v.IsNull()) return 0;
    if (v.as<std::string>() == "true") return 1;
    if (v.as<std::string>() == "false") return 0;
    return v.as<int>();
}

// Felis datatype -> VOTable datatype, arraysize, xtype.
void map_type(const std::string& felis, column_info& c) {
    if (felis == "boolean") c.datatype = "boolean";
    else if (felis == "byte") c.datatype = "unsignedByte";
    else if (felis == "short") c.datatype = "short";
    else if (felis == "int") c.datatype = "int";
    else if (felis == "long") c.datatype = "long";
    else if (felis == "float") c.datatype = "float";
    else if (felis == "double") c.datatype = "double";
    else if (felis == "char" || felis == "string" || felis == "text") { c.datatype = "char"; c.arraysize = "*"; }
    else if (felis == "unicode") { c.datatype = "unicodeChar"; c.arraysize = "*"; }
    else if (felis == "timestamp") { c.datatype = "char"; c.arraysize = "*"; c.xtype = "timestamp"; }
    else if (felis == "binary") { c.datatype = "unsignedByte"; c.arraysize = "*"; }
    else throw error(fmt::format("unknown Felis datatype '{}'", felis));
}

void load_schema(const YAML::Node& doc, memory_catalog& into) {
    const std::string schema = str(doc, "name");
    if (schema.empty()) throw error("a Felis schema needs a 'name'");
    const YAML::Node tables = doc["tables"];
    if (!tables || !tables.IsSequence()) throw error(fmt::format("Felis schema '{}' has no 'tables' list", schema));
    // Felis refers to columns by "@id" ("#Table.column"): resolved once every table is read.
    std::map<std::string, std::pair<std::string, std::string>> column_ids;  // @id -> (qualified table, column)
    std::vector<std::pair<std::string, YAML::Node>> constraints;             // (qualified table, constraint)
    for (const auto& t : tables) {
        table_info ti;
        ti.schema = schema;
        ti.name = str(t, "name");
        if (ti.name.empty()) throw error(fmt::format("a table of schema '{}' has no name", schema));
        ti.description = str(t, "description");
        const YAML::Node cols = t["columns"];
        if (!cols || !cols.IsSequence()) throw error(fmt::format("table '{}.{}' has no 'columns' list", schema, ti.name));
        for (const auto& c : cols) {
            column_info ci;
            ci.name = str(c, "name");
            if (ci.name.empty()) throw error(fmt::format("a column of '{}.{}' has no name", schema, ti.name));
            std::string dt = str(c, "datatype");
            if (!dt.empty()) map_type(dt, ci);
            if (auto v = str(c, "votable:datatype"); !v.empty()) ci.datatype = v;
            if (c["votable:arraysize"]) ci.arraysize = str(c, "votable:arraysize");
            else if (c["length"] && ci.datatype == "char" && dt == "char") ci.arraysize = str(c, "length");
            if (auto v = str(c, "votable:xtype"); !v.empty()) ci.xtype = v;
            ci.unit = str(c, "fits:tunit");
            if (ci.unit.empty()) ci.unit = str(c, "ivoa:unit");
            ci.ucd = str(c, "ivoa:ucd");
            ci.utype = str(c, "votable:utype");
            ci.description = str(c, "description");
            ci.principal = integer(c, "tap:principal") != 0;
            ci.minimal = c["dax:minimal"] && c["dax:minimal"].as<bool>(false);
            ci.std = integer(c, "tap:std") != 0;
            ci.indexed = integer(c, "tap:indexed") != 0;
            ci.column_index = static_cast<int>(integer(c, "tap:column_index"));
            if (ci.datatype.empty())
                throw error(fmt::format("column '{}.{}.{}' has no datatype", schema, ti.name, ci.name));
            if (auto id = str(c, "@id"); !id.empty()) column_ids[id] = {schema + "." + ti.name, ci.name};
            ti.columns.push_back(std::move(ci));
        }
        if (const YAML::Node cs = t["constraints"]; cs && cs.IsSequence())
            for (const auto& k : cs) constraints.push_back({schema + "." + ti.name, k});
        into.add_table(std::move(ti));
    }
    for (const auto& [table, k] : constraints) {
        if (str(k, "@type") != "ForeignKey") continue;
        foreign_key_info fk;
        fk.id = str(k, "name");
        if (fk.id.empty()) fk.id = str(k, "@id");
        fk.from_table = table;
        fk.description = str(k, "description");
        const YAML::Node from = k["columns"], to = k["referencedColumns"];
        if (!from || !to || !from.IsSequence() || !to.IsSequence() || from.size() != to.size() || from.size() == 0)
            throw error(fmt::format("foreign key '{}' of {} needs columns and referencedColumns of equal length", fk.id, table));
        for (std::size_t i = 0; i < from.size(); ++i) {
            auto a = column_ids.find(from[i].as<std::string>()), b = column_ids.find(to[i].as<std::string>());
            if (a == column_ids.end() || b == column_ids.end())
                throw error(fmt::format("foreign key '{}' of {} refers to an unknown column '{}'", fk.id, table,
                                        (a == column_ids.end() ? from[i] : to[i]).as<std::string>()));
            if (a->second.first != table) throw error(fmt::format("foreign key '{}' lists a column of another table", fk.id));
            fk.target_table = b->second.first;
            fk.columns.push_back({a->second.second, b->second.second});
        }
        into.add_foreign_key(std::move(fk));
    }
}

}  // namespace

result<bool> load_felis_text(const std::string& yaml, memory_catalog& into) {
    try {
        for (const auto& doc : YAML::LoadAll(yaml)) load_schema(doc, into);
        return true;
    } catch (const YAML::Exception& e) {
        return error(fmt::format("Felis YAML: {}", e.what()));
    } catch (const error& e) {
        return e;
    }
}

result<bool> load_felis_file(const std::string& path, memory_catalog& into) {
    try {
        for (const auto& doc : YAML::LoadAllFromFile(path)) load_schema(doc, into);
        return true;
    } catch (const YAML::BadFile&) {
        return error(fmt::format("cannot read schema file '{}'", path));
    } catch (const YAML::Exception& e) {
        return error(fmt::format("{}: {}", path, e.what()));
    } catch (const error& e) {
        return error(fmt::format("{}: {}", path, e.what()));
    }
}

}  // namespace dax::adql
