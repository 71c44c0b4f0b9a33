#!/usr/bin/env bash
# The official flink image's entrypoint (1.20), re-done with setpriv instead of gosu:
# configuration from JOB_MANAGER_RPC_ADDRESS, TASK_MANAGER_NUMBER_OF_TASK_SLOTS and
# FLINK_PROPERTIES goes into conf/config.yaml through Flink's own config parser, then the
# command runs as user flink (when started as root).

COMMAND_STANDALONE="standalone-job"
COMMAND_HISTORY_SERVER="history-server"
COMMAND_SQL_GATEWAY="sql-gateway"

# If unspecified, the hostname of the container is taken as the JobManager address
JOB_MANAGER_RPC_ADDRESS=${JOB_MANAGER_RPC_ADDRESS:-$(hostname -f)}
# shellcheck disable=SC2034 # kept from upstream's entrypoint
CONF_FILE_DIR="${FLINK_HOME}/conf"

drop_privs_cmd() {
    if [ "$(id -u)" != 0 ]; then
        return
    fi
    echo setpriv --reuid=flink --regid=flink --init-groups
}

copy_plugins_if_required() {
    if [ -z "$ENABLE_BUILT_IN_PLUGINS" ]; then
        return 0
    fi
    echo "Enabling required built-in plugins"
    for target_plugin in $(echo "$ENABLE_BUILT_IN_PLUGINS" | tr ';' ' '); do
        echo "Linking ${target_plugin} to plugin directory"
        plugin_name=${target_plugin%.jar}
        mkdir -p "${FLINK_HOME}/plugins/${plugin_name}"
        if [ ! -e "${FLINK_HOME}/opt/${target_plugin}" ]; then
            echo "Plugin ${target_plugin} does not exist. Exiting."
            exit 1
        else
            ln -fs "${FLINK_HOME}/opt/${target_plugin}" "${FLINK_HOME}/plugins/${plugin_name}"
            echo "Successfully enabled ${target_plugin}"
        fi
    done
}

set_config_options() {
    local config_parser_script="$FLINK_HOME/bin/config-parser-utils.sh"
    local config_dir="$FLINK_HOME/conf"
    local bin_dir="$FLINK_HOME/bin"
    local lib_dir="$FLINK_HOME/lib"
    local config_params=()
    while [ $# -gt 0 ]; do
        config_params+=("-D${1}=${2}")
        shift 2
    done
    if [ "${#config_params[@]}" -gt 0 ]; then
        # As the flink user when started as root, so config.yaml keeps its owner.
        $(drop_privs_cmd) "${config_parser_script}" "${config_dir}" "${bin_dir}" "${lib_dir}" "${config_params[@]}"
    fi
}

prepare_configuration() {
    local config_options=()
    config_options+=("jobmanager.rpc.address" "${JOB_MANAGER_RPC_ADDRESS}")
    config_options+=("blob.server.port" "6124")
    config_options+=("query.server.port" "6125")
    if [ -n "${TASK_MANAGER_NUMBER_OF_TASK_SLOTS}" ]; then
        config_options+=("taskmanager.numberOfTaskSlots" "${TASK_MANAGER_NUMBER_OF_TASK_SLOTS}")
    fi
    if [ ${#config_options[@]} -ne 0 ]; then
        set_config_options "${config_options[@]}"
    fi
    if [ -n "${FLINK_PROPERTIES}" ]; then
        process_flink_properties "${FLINK_PROPERTIES}"
    fi
}

process_flink_properties() {
    local flink_properties_content=$1
    local config_options=()
    local OLD_IFS="$IFS"
    IFS=$'\n'
    for prop in $flink_properties_content; do
        # Upstream strips all whitespace: values cannot contain spaces.
        # shellcheck disable=SC2086 # unquoted as upstream: echo joins the words
        prop=$(echo $prop | tr -d '[:space:]')
        if [ -z "$prop" ]; then
            continue
        fi
        IFS=':' read -r key value <<< "$prop"
        # shellcheck disable=SC2086 # as above
        value=$(echo $value | envsubst)
        config_options+=("$key" "$value")
    done
    IFS="$OLD_IFS"
    if [ ${#config_options[@]} -ne 0 ]; then
        set_config_options "${config_options[@]}"
    fi
}

maybe_enable_jemalloc() {
    if [ "${DISABLE_JEMALLOC:-false}" == "false" ]; then
        local arch_dir
        arch_dir="/usr/lib/$(uname -m)-linux-gnu"
        local lib
        for lib in "$arch_dir/libjemalloc.so" "$arch_dir/libjemalloc.so.2"; do
            if [ -f "$lib" ]; then
                export LD_PRELOAD=$LD_PRELOAD:$lib
                return
            fi
        done
        echo "WARNING: attempted to load jemalloc from $arch_dir but the library couldn't be found. glibc will be used instead."
    fi
}

maybe_enable_jemalloc
copy_plugins_if_required
prepare_configuration

args=("$@")
if [ "$1" = "help" ]; then
    # shellcheck disable=SC2059 # the usage text holds no % (as upstream)
    printf "Usage: $(basename "$0") (jobmanager|${COMMAND_STANDALONE}|taskmanager|${COMMAND_HISTORY_SERVER}|${COMMAND_SQL_GATEWAY})\n"
    # shellcheck disable=SC2059
    printf "    Or $(basename "$0") help\n\n"
    printf "By default, Flink image adopts jemalloc as default memory allocator. This behavior can be disabled by setting the 'DISABLE_JEMALLOC' environment variable to 'true'.\n"
    exit 0
elif [ "$1" = "jobmanager" ]; then
    args=("${args[@]:1}")
    echo "Starting Job Manager"
    exec $(drop_privs_cmd) "$FLINK_HOME/bin/jobmanager.sh" start-foreground "${args[@]}"
elif [ "$1" = ${COMMAND_STANDALONE} ]; then
    args=("${args[@]:1}")
    echo "Starting Job Manager"
    exec $(drop_privs_cmd) "$FLINK_HOME/bin/standalone-job.sh" start-foreground "${args[@]}"
elif [ "$1" = ${COMMAND_HISTORY_SERVER} ]; then
    args=("${args[@]:1}")
    echo "Starting History Server"
    exec $(drop_privs_cmd) "$FLINK_HOME/bin/historyserver.sh" start-foreground "${args[@]}"
elif [ "$1" = ${COMMAND_SQL_GATEWAY} ]; then
    args=("${args[@]:1}")
    echo "Starting Sql Gateway"
    exec $(drop_privs_cmd) "$FLINK_HOME/bin/sql-gateway.sh" start-foreground "${args[@]}"
elif [ "$1" = "taskmanager" ]; then
    args=("${args[@]:1}")
    echo "Starting Task Manager"
    exec $(drop_privs_cmd) "$FLINK_HOME/bin/taskmanager.sh" start-foreground "${args[@]}"
fi

# Running command in pass-through mode
exec $(drop_privs_cmd) "${args[@]}"
