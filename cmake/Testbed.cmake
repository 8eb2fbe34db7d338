# jpki_testbed_test(NAME <name> [LABELS <labels>...] [TIMEOUT <s>] [SIM_ARGS <args>] [ENVIRONMENT <k=v>...]
#                   COMMAND <cmd> <args>...)
# A CTest test whose command runs inside tests/testbed/testbed.sh: a private
# pcscd in private namespaces with a fresh copy of the template virtual card.
function(jpki_testbed_test)
  cmake_parse_arguments(T "" "NAME;TIMEOUT;SIM_ARGS" "LABELS;COMMAND;ENVIRONMENT" ${ARGN})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 120)
  endif()
  add_test(NAME ${T_NAME}
    COMMAND ${JPKI_TESTBED} run --sim $<TARGET_FILE:jpki-sim> --template ${JPKI_SIM_TEMPLATE}
            --sim-args "${T_SIM_ARGS}" -- ${T_COMMAND})
  set_tests_properties(${T_NAME} PROPERTIES
    FIXTURES_REQUIRED sim_template
    LABELS "pcscd;${T_LABELS}"
    TIMEOUT ${T_TIMEOUT}
    ENVIRONMENT "${T_ENVIRONMENT}")
endfunction()
