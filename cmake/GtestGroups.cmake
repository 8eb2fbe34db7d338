# jpki_check_gtest_groups(SOURCES <files> GROUPS <"name:Filter:Filter..."> ...
#                         [ELSEWHERE <Filter> ...])
#
# A gtest binary split into CTest entries by --gtest_filter (one group a test)
# silently never runs a fixture no filter names. This fails the configure step
# instead, naming each test no group runs. Filters are `Fixture.*` or
# `Fixture.Test`; ELSEWHERE lists filters another test runs (say which in a
# comment). The sources become configure dependencies, so a new TEST_F is
# checked at the next build.
function(jpki_check_gtest_groups)
  cmake_parse_arguments(PARSE_ARGV 0 arg "" "" "SOURCES;GROUPS;ELSEWHERE")
  set(filters ${arg_ELSEWHERE})
  foreach(group IN LISTS arg_GROUPS)
    string(FIND "${group}" ":" colon)
    math(EXPR start "${colon} + 1")
    string(SUBSTRING "${group}" ${start} -1 group_filters)
    string(REPLACE ":" ";" group_filters "${group_filters}")
    list(APPEND filters ${group_filters})
  endforeach()
  set(unmapped "")
  foreach(source IN LISTS arg_SOURCES)
    get_filename_component(path "${source}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${path}")
    file(READ "${path}" text)
    string(REGEX MATCHALL "(^|\n)TEST(_F|_P)?\\([ \t\n]*[A-Za-z0-9_]+,[ \t\n]*[A-Za-z0-9_]+" declarations "${text}")
    foreach(declaration IN LISTS declarations)
      string(REGEX REPLACE ".*\\([ \t\n]*([A-Za-z0-9_]+),[ \t\n]*([A-Za-z0-9_]+)$" "\\1;\\2" parts "${declaration}")
      list(GET parts 0 fixture)
      list(GET parts 1 test)
      if(NOT "${fixture}.*" IN_LIST filters AND NOT "${fixture}.${test}" IN_LIST filters)
        list(APPEND unmapped "${fixture}.${test} (${source})")
      endif()
    endforeach()
  endforeach()
  if(unmapped)
    list(JOIN unmapped "\n  " lines)
    message(FATAL_ERROR "${CMAKE_CURRENT_LIST_FILE}: no CTest group runs these tests (add them to a "
                        "group's gtest filter):\n  ${lines}")
  endif()
endfunction()
