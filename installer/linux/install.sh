#!/usr/bin/env bash
# Install the overload station's one-folder bundle on a Linux PC (docs/installing.md).
#
#   install.sh [--prefix DIR] [--bundle DIR] [--timer user|system|none] [--run-as USER]
#              [--destdir DIR]
#   install.sh --uninstall [--prefix DIR] [--destdir DIR]
#
# --prefix   where the program goes (default /opt/overload-station)
# --bundle   the built bundle (default: ./overload-station next to this script, as in the
#            release archive, else dist/overload-station of the checkout)
# --timer    user (default): the nightly upload runs as each desktop user, data in their home;
#            system: it runs as --run-as, configuration in /etc/overload-station and data in
#            /var/lib/overload-station for every user (the machine-wide marker is installed);
#            none: no timer
# --destdir  stage everything under this folder (packaging, tests); nothing is started
#
# Upgrades: run it again; the program folder is replaced, configuration and data are never
# touched (the database upgrades itself, after a backup, when the new version opens it).
# --uninstall removes the program, menu entry, icon and timer, and keeps all data.
# Exit codes: 0 done, 2 bad option or missing bundle (one line on stderr).
set -euo pipefail

NAME=overload-station
DEFAULT_PREFIX=/opt/overload-station
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
FILES="$HERE"
[ -d "$HERE/linux" ] && FILES="$HERE/linux"  # the release archive keeps them in linux/

prefix="$DEFAULT_PREFIX"
bundle=""
timer=user
run_as=""
destdir=""
uninstall=no

fail() {
    echo "install.sh: $*" >&2
    exit 2
}

need_value() {
    if [ "$#" -lt 2 ] || [ -z "$2" ]; then fail "$1 needs a value"; fi
}

while [ "$#" -gt 0 ]; do
    case "$1" in
        --prefix) need_value "$@"; prefix="$2"; shift 2 ;;
        --bundle) need_value "$@"; bundle="$2"; shift 2 ;;
        --timer) need_value "$@"; timer="$2"; shift 2 ;;
        --run-as) need_value "$@"; run_as="$2"; shift 2 ;;
        --destdir) need_value "$@"; destdir="${2%/}"; shift 2 ;;
        --uninstall) uninstall=yes; shift ;;
        -h|--help) sed -n '2,20p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) fail "unknown option $1 (allowed: --prefix --bundle --timer --run-as --destdir --uninstall)" ;;
    esac
done

case "$prefix" in
    /*) prefix="${prefix%/}" ;;
    *) fail "--prefix must be an absolute path, not $prefix" ;;
esac
case "$timer" in
    user|system|none) ;;
    *) fail "--timer must be user, system or none, not $timer" ;;
esac
if [ "$timer" = system ]; then
    [ -n "$run_as" ] || fail "--timer system needs --run-as USER (the account that runs the desktop)"
    id -u "$run_as" >/dev/null 2>&1 || fail "--run-as: no user named $run_as"
elif [ -n "$run_as" ]; then
    fail "--run-as is only for --timer system"
fi

root="$destdir"
apps="$root/usr/share/applications"
icons="$root/usr/share/icons/hicolor/scalable/apps"
bin="$root/usr/local/bin"
user_units="$root/usr/lib/systemd/user"
user_wants="$root/etc/systemd/user/timers.target.wants"
system_units="$root/etc/systemd/system"
system_wants="$system_units/timers.target.wants"
timer_unit="$NAME-upload.timer"
service_unit="$NAME-upload.service"

live_systemd() {
    [ -z "$destdir" ] && [ -d /run/systemd/system ] && command -v systemctl >/dev/null
}

remove_units() {
    rm -f "$user_wants/$timer_unit" "$user_units/$timer_unit" "$user_units/$service_unit"
    if [ -e "$system_units/$timer_unit" ] && live_systemd; then
        systemctl stop "$timer_unit" 2>/dev/null || true
    fi
    rm -f "$system_wants/$timer_unit" "$system_units/$timer_unit" "$system_units/$service_unit"
}

# Only ever replace or remove a folder that holds this program (never a mistyped /usr).
check_target() {
    local target="$root$prefix"
    if [ -e "$target" ] && [ ! -x "$target/$NAME-cli" ] && [ -n "$(ls -A "$target")" ]; then
        fail "$target exists and is not an $NAME installation; choose another --prefix"
    fi
}

uninstall_all() {
    check_target
    remove_units
    rm -rf "$root$prefix"
    rm -f "$apps/$NAME.desktop" "$icons/$NAME.svg" "$bin/$NAME" "$bin/$NAME-cli"
    if live_systemd; then systemctl daemon-reload || true; fi
    echo "removed $prefix, the menu entry and the timer; configuration and data are kept"
}

find_bundle() {
    if [ -n "$bundle" ]; then
        :
    elif [ -d "$HERE/$NAME" ]; then
        bundle="$HERE/$NAME"
    else
        bundle="$HERE/../../dist/$NAME"
    fi
    if [ ! -x "$bundle/$NAME" ] || [ ! -x "$bundle/$NAME-cli" ]; then
        fail "no built bundle at $bundle (build it with: python installer/build.py)"
    fi
    bundle="$(cd "$bundle" && pwd)"
}

# Copy beside the old program and swap, so an interrupted copy never leaves half a program.
install_program() {
    local target="$root$prefix"
    mkdir -p "$(dirname "$target")"
    rm -rf "$target.new" "$target.old"
    cp -a "$bundle" "$target.new"
    [ "$timer" = system ] && echo "installed by install.sh --timer system" >"$target.new/machine-wide"
    [ -e "$target" ] && mv "$target" "$target.old"
    mv "$target.new" "$target"
    rm -rf "$target.old"
    mkdir -p "$bin"
    ln -sfn "$prefix/$NAME" "$bin/$NAME"
    ln -sfn "$prefix/$NAME-cli" "$bin/$NAME-cli"
}

# The shipped files name the default prefix; point them at the real one.
with_prefix() {
    sed "s#$DEFAULT_PREFIX/#$prefix/#g" "$1"
}

install_menu_entry() {
    mkdir -p "$apps" "$icons"
    with_prefix "$FILES/$NAME.desktop" >"$apps/$NAME.desktop"
    install -m 644 "$FILES/$NAME.svg" "$icons/$NAME.svg"
    chmod 644 "$apps/$NAME.desktop"
}

install_user_timer() {
    mkdir -p "$user_units" "$user_wants"
    with_prefix "$FILES/$service_unit" >"$user_units/$service_unit"
    cp "$FILES/$timer_unit" "$user_units/$timer_unit"
    chmod 644 "$user_units/$service_unit" "$user_units/$timer_unit"
    # What `systemctl --global enable` does for WantedBy=timers.target, without needing systemd.
    ln -sfn "/usr/lib/systemd/user/$timer_unit" "$user_wants/$timer_unit"
}

# The system service runs as the desktop's account, so both use the same database files.
install_system_timer() {
    mkdir -p "$system_units" "$system_wants"
    with_prefix "$FILES/$service_unit" |
        sed -e "s#^\[Unit\]#[Unit]\nWants=network-online.target\nAfter=network-online.target#" \
            -e "s#^\[Service\]#[Service]\nUser=$run_as#" >"$system_units/$service_unit"
    cp "$FILES/$timer_unit" "$system_units/$timer_unit"
    chmod 644 "$system_units/$service_unit" "$system_units/$timer_unit"
    ln -sfn "/etc/systemd/system/$timer_unit" "$system_wants/$timer_unit"
    local group
    group="$(id -gn "$run_as")"
    # The desktop's first-run wizard writes the configuration as that account.
    install -d -m 750 -o "$run_as" -g "$group" "$root/etc/$NAME" "$root/var/lib/$NAME"
}

start_timer() {
    case "$timer" in
        system)
            if live_systemd; then
                systemctl daemon-reload
                systemctl restart "$timer_unit"
                echo "nightly upload: system timer started ($(systemctl show -P NextElapseUSecRealtime "$timer_unit" 2>/dev/null || echo 'see systemctl list-timers'))"
            fi ;;
        user)
            echo "nightly upload: user timer enabled for every user from their next login;"
            echo "  to start it now: systemctl --user daemon-reload && systemctl --user start $timer_unit" ;;
        none) ;;
    esac
}

if [ "$uninstall" = yes ]; then
    uninstall_all
    exit 0
fi
find_bundle
check_target
remove_units  # switching between user and system timers leaves only the chosen one
install_program
install_menu_entry
case "$timer" in
    user) install_user_timer ;;
    system) install_system_timer ;;
    none) ;;
esac
if [ -z "$destdir" ] && command -v update-desktop-database >/dev/null; then
    update-desktop-database -q "$apps" || true
fi
start_timer
echo "installed $NAME in $root$prefix (timer: $timer)"
