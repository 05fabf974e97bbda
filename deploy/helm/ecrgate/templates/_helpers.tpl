{{/* The app's name: the value of app.kubernetes.io/name everywhere. */}}
{{- define "ecrgate.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
The name of every object: the release name when it contains the app's name (a release "ecrgate" gives the names of
deploy/), else release-app. At most 52 characters, so that "-audit", "-serving" and "-selfsigned" still fit in 63.
*/}}
{{- define "ecrgate.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 52 | trimSuffix "-" -}}
{{- else -}}
{{- $name := include "ecrgate.name" . -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 52 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 52 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* What selects ecrgate's pods. */}}
{{- define "ecrgate.selectorLabels" -}}
app.kubernetes.io/name: {{ include "ecrgate.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* The labels of every object: the selector labels and Helm's usual ones. */}}
{{- define "ecrgate.labels" -}}
{{ include "ecrgate.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end -}}

{{- define "ecrgate.image" -}}
{{- if .Values.image.digest -}}
{{ .Values.image.repository }}@{{ .Values.image.digest }}
{{- else -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}
{{- end -}}

{{/* The certificate mode, checked: self-managed, cert-manager or existing-secret. */}}
{{- define "ecrgate.certificateMode" -}}
{{- $mode := .Values.certificates.mode -}}
{{- if not (has $mode (list "self-managed" "cert-manager" "existing-secret")) -}}
{{- fail (printf "certificates.mode must be self-managed, cert-manager or existing-secret, not %q" $mode) -}}
{{- end -}}
{{- if and (eq $mode "existing-secret") (not .Values.certificates.existingSecret.name) -}}
{{- fail "certificates.mode existing-secret needs certificates.existingSecret.name" -}}
{{- end -}}
{{- $mode -}}
{{- end -}}

{{/* The Secret holding the serving certificate (and ca.crt) in the modes that mount one. */}}
{{- define "ecrgate.tlsSecret" -}}
{{- if eq (include "ecrgate.certificateMode" .) "cert-manager" -}}
{{- include "ecrgate.fullname" . }}-tls
{{- else if eq (include "ecrgate.certificateMode" .) "existing-secret" -}}
{{- .Values.certificates.existingSecret.name -}}
{{- else -}}
{{- include "ecrgate.fullname" . }}-ca
{{- end -}}
{{- end -}}

{{/* An option value as ecrgate reads it: whole numbers without an exponent (values arrive as float64). */}}
{{- define "ecrgate.flagValue" -}}
{{- if kindIs "float64" . -}}
{{- if eq (floor .) . -}}{{ int64 . }}{{- else -}}{{ . }}{{- end -}}
{{- else -}}
{{- . -}}
{{- end -}}
{{- end -}}
