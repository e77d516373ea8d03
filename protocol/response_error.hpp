#pragma once
/// \file
/// The error a response answers, read from its schema table: the first non-zero
/// `error_code` field present at the given version, in wire order, depth first — so a
/// top-level error comes before per-topic and per-partition ones. The mock broker's
/// request log records it for every answer.
///
/// Threading: pure functions over values.

#include <cstdint>
#include <optional>
#include <string_view>
#include <type_traits>
#include <vector>

#include "protocol/schema.hpp"

namespace kafkalite::protocol {

namespace detail {

template <class T>
concept StructArray = requires { typename T::value_type; } && SchemaStruct<typename T::value_type> &&
                      requires(const T& t) { t.begin(); };

template <class T>
int16_t firstErrorCodeIn(const T& value, int16_t version);

template <SchemaStruct S>
int16_t firstErrorCodeOfStruct(const S& s, int16_t version) {
  int16_t found = 0;
  forEachField<S>([&](const auto& f) {
    if (found != 0 || !f.presentIn(version)) return;
    using T = typename std::remove_cvref_t<decltype(f)>::Type;
    if constexpr (std::is_same_v<T, int16_t>) {
      if (std::string_view(f.name) == "error_code") found = s.*(f.member);
    } else {
      found = firstErrorCodeIn(s.*(f.member), version);
    }
  });
  return found;
}

template <class T>
int16_t firstErrorCodeIn(const T& value, int16_t version) {
  if constexpr (SchemaStruct<T>) {
    return firstErrorCodeOfStruct(value, version);
  } else if constexpr (requires { typename T::value_type; value.has_value(); }) {  // std::optional
    return value ? firstErrorCodeIn(*value, version) : 0;
  } else if constexpr (StructArray<T>) {
    for (const auto& e : value) {
      if (const int16_t code = firstErrorCodeOfStruct(e, version); code != 0) return code;
    }
    return 0;
  } else {
    return 0;
  }
}

}  // namespace detail

/// The first non-zero `error_code` of `message` at `version` (0 when every one is 0).
template <SchemaMessage M>
int16_t firstErrorCode(const M& message, int16_t version) {
  return detail::firstErrorCodeOfStruct(message, version);
}

}  // namespace kafkalite::protocol
