#pragma once
/// \file
/// Boost.Asio for the broker. Boost 1.74's awaitable.hpp uses std::exchange without
/// including <utility>, which g++ 12 in C++20 mode rejects; include it first.

#include <utility>

#include <boost/asio.hpp>
