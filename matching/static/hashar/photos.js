/* Photos made smaller on the phone before they are sent: at most MAX pixels on the long
   side, as JPEG. A phone's 4 MB photo becomes some 300 KB, which a 2G connection can carry.

   The photo's EXIF (capture date and place: the officer checks them against the report and
   the mahalla, matching/photos.py) is copied from the original into the smaller JPEG, with
   its orientation set upright, since the pixels are drawn upright already. PDFs and small
   photos go as they are. */
(function (scope) {
  "use strict";
  var MAX = 1600, QUALITY = 0.85, SMALL = 400 * 1024;
  var IMAGE = /^image\/(jpeg|png|webp)$/;

  /* The APP1 "Exif" segment of a JPEG (its bytes, marker included), or null. */
  function exifSegment(bytes) {
    if (bytes[0] !== 0xFF || bytes[1] !== 0xD8) return null;
    var at = 2;
    while (at + 4 < bytes.length && bytes[at] === 0xFF) {
      var marker = bytes[at + 1], length = (bytes[at + 2] << 8) | bytes[at + 3];
      if (marker === 0xE1 && bytes[at + 4] === 0x45 && bytes[at + 5] === 0x78
          && bytes[at + 6] === 0x69 && bytes[at + 7] === 0x66) {
        return bytes.slice(at, at + 2 + length);
      }
      if (marker === 0xDA) break;  // the image data: no more headers
      at += 2 + length;
    }
    return null;
  }

  /* Orientation (tag 0x0112 of IFD0) set to 1, "upright", in an APP1 segment. */
  function upright(segment) {
    var view = new DataView(segment.buffer, segment.byteOffset, segment.byteLength);
    var tiff = 10, little = view.getUint16(tiff) === 0x4949;
    if (segment.length < tiff + 8) return segment;
    var ifd = tiff + view.getUint32(tiff + 4, little);
    if (ifd + 2 > segment.length) return segment;
    var count = view.getUint16(ifd, little);
    for (var n = 0; n < count; n++) {
      var entry = ifd + 2 + n * 12;
      if (entry + 12 > segment.length) break;
      if (view.getUint16(entry, little) === 0x0112) view.setUint16(entry + 8, 1, little);
    }
    return segment;
  }

  function withExif(jpeg, segment) {
    // SOI, the original's EXIF, then the rest of the new JPEG
    return new Blob([jpeg.slice(0, 2), segment, jpeg.slice(2)], {type: "image/jpeg"});
  }

  function encode(bitmap, width, height) {
    var canvas = document.createElement("canvas");
    canvas.width = width;
    canvas.height = height;
    canvas.getContext("2d").drawImage(bitmap, 0, 0, width, height);
    return new Promise(function (resolve) { canvas.toBlob(resolve, "image/jpeg", QUALITY); });
  }

  /* A File no longer than MAX on its long side; the original when it is small already, not
     an image, or cannot be decoded here (the server then says what is wrong with it). */
  function shrink(file) {
    if (!IMAGE.test(file.type) || !scope.createImageBitmap) return Promise.resolve(file);
    return createImageBitmap(file, {imageOrientation: "from-image"}).then(function (bitmap) {
      var long = Math.max(bitmap.width, bitmap.height);
      if (long <= MAX && file.size <= SMALL) return file;
      var ratio = Math.min(1, MAX / long);
      var width = Math.round(bitmap.width * ratio), height = Math.round(bitmap.height * ratio);
      return Promise.all([encode(bitmap, width, height), file.arrayBuffer()]).then(function (r) {
        var jpeg = r[0], segment = exifSegment(new Uint8Array(r[1]));
        if (!jpeg || jpeg.size >= file.size) return file;
        var blob = segment ? withExif(jpeg, upright(segment)) : jpeg;
        var name = file.name.replace(/\.[^.]*$/, "") + ".jpg";
        return new File([blob], name, {type: "image/jpeg", lastModified: file.lastModified});
      });
    }, function () { return file; });
  }

  scope.HasharPhotos = {shrink: shrink, MAX: MAX};
})(self);
