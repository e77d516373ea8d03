#pragma once
// Fills any schema message with non-default values in every field that exists at
// a given version, using the message's own field table. Round-trip, truncation and
// mutation tests over every message and version are built on it.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "protocol/schema.hpp"

namespace kafkalite::protocol::testing {

struct Filler {
  int16_t version = 0;
  bool flexible = false;
  bool nullWhereAllowed = false;  ///< true: nullable fields get null instead of a value
  std::span<const uint8_t> records;
  int64_t counter = 1;

  template <class T>
  void value(T& v, bool nullable, const T& defaultValue) {
    if constexpr (std::is_same_v<T, bool>) {
      v = !defaultValue;
    } else if constexpr (std::is_integral_v<T>) {
      // Distinct, small, positive and different from the default (which is 0 or negative).
      v = static_cast<T>(counter++ % 100 + 1);
      if (v == defaultValue) v = static_cast<T>(v + 1);
    } else if constexpr (std::is_same_v<T, double>) {
      v = static_cast<double>(counter++) + 0.5;
    } else if constexpr (std::is_same_v<T, std::string>) {
      v = "s" + std::to_string(counter++);
    } else if constexpr (std::is_same_v<T, Bytes>) {
      v = Bytes{static_cast<uint8_t>(counter++), 0xfe, 0x00};
    } else if constexpr (std::is_same_v<T, Records>) {
      v = nullWhereAllowed ? Records{} : Records::of(records);
    } else if constexpr (std::is_same_v<T, Uuid>) {
      v = Uuid{static_cast<uint64_t>(counter++), 0x0123456789abcdefULL};
    } else if constexpr (requires { typename T::value_type; v.has_value(); }) {  // std::optional
      if (nullable && nullWhereAllowed) {
        v.reset();
      } else {
        v.emplace();
        value(*v, false, typename T::value_type{});
      }
    } else if constexpr (requires { v.push_back(typename T::value_type{}); }) {  // arrays
      v.clear();
      for (int i = 0; i < 2; ++i) {
        v.emplace_back();
        value(v.back(), false, typename T::value_type{});
      }
    } else {
      static_assert(SchemaStruct<T>, "unsupported field type");
      structure(v);
    }
  }

  template <SchemaStruct S>
  void structure(S& s) {
    const S& defaults = detail::defaultInstance<S>();
    forEachField<S>([&](const auto& f) {
      if (!f.presentIn(version)) return;
      value(s.*(f.member), f.nullableVersions.contains(version), defaults.*(f.member));
    });
    if constexpr (requires { s.unknownTaggedFields; }) {
      // An unknown tag above every known one, to check it is kept and written back.
      if (flexible) s.unknownTaggedFields = {RawTaggedField{90, Bytes{0xca, 0xfe}}};
    }
  }
};

/// A message of type M with every field present at `version` set.
template <SchemaMessage M>
M filledMessage(int16_t version, bool nullWhereAllowed, std::span<const uint8_t> records) {
  Filler f{version, M::kFlexibleVersions.contains(version), nullWhereAllowed, records, 1};
  M m{};
  f.structure(m);
  return m;
}

}  // namespace kafkalite::protocol::testing
