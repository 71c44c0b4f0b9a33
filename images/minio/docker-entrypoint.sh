#!/bin/sh
# As the official image's entrypoint: anything that is not `minio` gets `minio` prepended;
# MINIO_USERNAME/MINIO_GROUPNAME (deprecated upstream) still switch user via chroot.
if [ "${1}" != "minio" ]; then
    if [ -n "${1}" ]; then
        set -- minio "$@"
    fi
fi

if [ -n "${MINIO_USERNAME:-}" ] && [ -n "${MINIO_GROUPNAME:-}" ]; then
    if [ -n "${MINIO_UID:-}" ] && [ -n "${MINIO_GID:-}" ]; then
        exec chroot --userspec="${MINIO_UID}:${MINIO_GID}" / "$@"
    fi
    echo "${MINIO_USERNAME}:x:1000:1000:${MINIO_USERNAME}:/:/sbin/nologin" >> /etc/passwd
    echo "${MINIO_GROUPNAME}:x:1000" >> /etc/group
    exec chroot --userspec="${MINIO_USERNAME}:${MINIO_GROUPNAME}" / "$@"
fi
exec "$@"
