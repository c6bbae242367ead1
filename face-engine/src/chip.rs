//! Face chips cut exactly as dlib cuts them (`get_face_chip_details`, `extract_image_chip`).
