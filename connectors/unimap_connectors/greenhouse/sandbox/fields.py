"""The public field set of every served resource (§5 of the reference), in output order.

Rows in the tenant may carry internal keys starting with ``_``; only these fields are served.
"""

from __future__ import annotations

BASE = ("id", "created_at", "updated_at")

FIELDS: dict[str, tuple[str, ...]] = {
    "users": (*BASE, "first_name", "last_name", "name", "primary_email", "emails", "job_title", "employee_id",
              "agency_id", "deactivated", "site_admin", "linked_candidate_ids", "office_ids", "department_ids",
              "interviewer_tags", "custom_fields"),
    "jobs": (*BASE, "name", "requisition_id", "notes", "confidential", "status", "opened_at", "closed_at",
             "is_template", "copied_from_id", "department_id", "office_ids", "custom_fields"),
    "job_interview_stages": (*BASE, "job_id", "name", "sort_order", "active"),
    "job_posts": (*BASE, "title", "job_id", "job_board_id", "internal", "active", "live", "featured",
                  "first_published_at", "content", "internal_content", "language", "demographic_question_set_id",
                  "public_url", "questions"),
    "departments": (*BASE, "name", "parent_id", "external_id"),
    "offices": (*BASE, "name", "parent_id", "external_id", "location", "primary_in_house_contact_user_id"),
    "job_owners": (*BASE, "job_id", "user_id", "type", "responsible"),
    "job_hiring_managers": (*BASE, "job_id", "user_id"),
    "openings": (*BASE, "job_id", "opening_id", "open", "opened_at", "closed_at", "close_reason_id",
                 "application_id", "target_start_on", "sort_order", "custom_fields"),
    "close_reasons": (*BASE, "name"),
    "candidates": (*BASE, "first_name", "last_name", "preferred_name", "company", "title", "last_activity_at",
                   "private", "can_email", "time_zone", "tags", "linked_user_ids", "custom_fields", "phone_numbers",
                   "addresses", "email_addresses", "website_addresses", "social_media_addresses"),
    "candidate_tags": (*BASE, "name"),
    "applied_candidate_tags": (*BASE, "candidate_tag_id", "candidate_id"),
    "applications": (*BASE, "candidate_id", "job_id", "job_post_id", "source_id", "referrer_id", "recruiter_id",
                     "coordinator_id", "agency_note_id", "stage_id", "job_interview_stage_id", "stage_name", "status",
                     "rejected_at", "rejection_reason_id", "prospect", "prospective_job_ids", "needs_decision",
                     "last_activity_at", "location_address", "answers", "custom_fields"),
    "application_stages": (*BASE, "application_id", "job_interview_stage_id", "entered_at", "exited_at",
                           "days_in_stage", "current"),
    "rejection_reasons": (*BASE, "name", "type"),
    "rejection_details": (*BASE, "application_id", "rejected_by_id", "rejection_reason_id", "rejection_note_id",
                          "rejected_at", "question_custom_fields"),
    "sources": (*BASE, "name", "type"),
    "attachments": (*BASE, "application_id", "candidate_id", "type", "filename", "url"),
    "notes": (*BASE, "candidate_id", "application_id", "user_id", "type", "subject", "body", "visibility"),
    "custom_fields": (*BASE, "name", "name_key", "field_type", "value_type", "private", "required", "active",
                      "sort_order", "internal_type", "application_type", "api_only", "default_value"),
    "custom_field_options": (*BASE, "custom_field_id", "name", "external_id", "sort_order", "active"),
}

RESOURCES = tuple(FIELDS)
