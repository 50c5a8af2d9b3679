import type { RequestField, RequestType } from './config.js';
import type { FieldValue } from './model.js';

/**
 * The view-model of one form input, derived from its field definition: what to show and what to prefill.
 * slack/blocks.ts turns it into a Block Kit input block.
 */
export interface FormInput {
  fieldId: string;
  type: RequestField['type'];
  label: string;
  hint?: string;
  optional: boolean;
  placeholder?: string;
  options: { value: string; label: string }[];
  min?: number;
  max?: number;
  /** Prefill: the field's default (or a previous answer). */
  initial: FieldValue;
}

export interface FormModel {
  typeId: string;
  title: string;
  description: string;
  inputs: FormInput[];
}

export function formModel(type: RequestType, previous: Record<string, FieldValue> = {}): FormModel {
  return {
    typeId: type.id,
    title: type.title,
    description: type.description,
    inputs: type.fields.map((field) => ({
      fieldId: field.id,
      type: field.type,
      label: field.label,
      ...(field.hint ? { hint: field.hint } : {}),
      optional: !field.required,
      ...(field.placeholder ? { placeholder: field.placeholder } : {}),
      options: field.options ?? [],
      ...(field.min !== undefined ? { min: field.min } : {}),
      ...(field.max !== undefined ? { max: field.max } : {}),
      initial: previous[field.id] ?? (field.default as FieldValue | undefined) ?? null,
    })),
  };
}
